from types import TracebackType
from typing import Self

from application.ports.repositories import (
    ActionTokenRepository,
    AuditEventRepository,
    PostRepository,
    SessionRepository,
    TaskRepository,
    UserRepository,
)
from infrastructure.persistence.memory.action_token_repository import (
    MemoryActionTokenRepository,
)
from infrastructure.persistence.memory.audit_event_repository import MemoryAuditEventRepository
from infrastructure.persistence.memory.database import MemoryDatabase, Tables
from infrastructure.persistence.memory.post_repository import MemoryPostRepository
from infrastructure.persistence.memory.session_repository import MemorySessionRepository
from infrastructure.persistence.memory.task_repository import MemoryTaskRepository
from infrastructure.persistence.memory.user_repository import MemoryUserRepository
from infrastructure.persistence.transaction_slot import TransactionSlot


class MemoryUnitOfWork:
    """One transaction on a MemoryDatabase: holds the store's lock while entered, works on a
    private copy of its tables, and publishes that copy only on `commit()`.

    `committed` tells whether the latest `with` block committed (handy in use-case tests).
    """

    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database
        self._tables: TransactionSlot[Tables] = TransactionSlot()
        self.committed = False
        self._read_only = False
        self._next_read_only = False
        tables = self._tables.current
        self.users: UserRepository = MemoryUserRepository(tables)
        self.sessions: SessionRepository = MemorySessionRepository(tables)
        self.tasks: TaskRepository = MemoryTaskRepository(tables)
        self.posts: PostRepository = MemoryPostRepository(tables)
        self.action_tokens: ActionTokenRepository = MemoryActionTokenRepository(tables)
        self.audit_events: AuditEventRepository = MemoryAuditEventRepository(tables)

    def read_only(self) -> Self:
        self._next_read_only = True
        return self

    def __enter__(self) -> Self:
        self._tables.ensure_empty()
        self._read_only, self._next_read_only = self._next_read_only, False
        self._tables.fill(self._database.begin())
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Dropping the working copy is the rollback.
        if self._tables.take() is not None:
            self._database.end()

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("A read-only unit of work cannot commit.")
        self._database.publish(self._tables.current())
        self.committed = True
