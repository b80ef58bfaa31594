from types import TracebackType
from typing import Protocol, Self

from application.ports.repositories import (
    ActionTokenRepository,
    AuditEventRepository,
    PostRepository,
    SessionRepository,
    TaskRepository,
    UserRepository,
)


class UnitOfWork(Protocol):
    """One transaction: rolls back on exit unless `commit()` was called; may be entered again.

    `with uow.read_only():` opens one that only reads and may not commit. It takes no write lock,
    so such reads neither queue behind one another nor wait for a writer.
    """

    users: UserRepository
    sessions: SessionRepository
    tasks: TaskRepository
    posts: PostRepository
    action_tokens: ActionTokenRepository
    audit_events: AuditEventRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def read_only(self) -> Self:
        """This unit of work, set so that its next transaction only reads (it must not commit)."""
        ...

    def commit(self) -> None: ...
