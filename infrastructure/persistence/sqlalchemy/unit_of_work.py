from types import TracebackType
from typing import Self

from sqlalchemy.engine import Connection, Engine

from application.ports.repositories import (
    ActionTokenRepository,
    AuditEventRepository,
    PostRepository,
    SessionRepository,
    TaskRepository,
    UserRepository,
)
from infrastructure.persistence.sqlalchemy.action_token_repository import (
    SqlAlchemyActionTokenRepository,
)
from infrastructure.persistence.sqlalchemy.audit_event_repository import (
    SqlAlchemyAuditEventRepository,
)
from infrastructure.persistence.sqlalchemy.post_repository import SqlAlchemyPostRepository
from infrastructure.persistence.sqlalchemy.session_repository import SqlAlchemySessionRepository
from infrastructure.persistence.sqlalchemy.task_repository import SqlAlchemyTaskRepository
from infrastructure.persistence.sqlalchemy.user_repository import SqlAlchemyUserRepository
from infrastructure.persistence.transaction_slot import TransactionSlot


class SqlAlchemyUnitOfWork:
    """One database transaction on a fresh connection per `with` block; rolled back on exit
    unless `commit()` was called. Writes after a commit belong to a new transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: TransactionSlot[Connection] = TransactionSlot()
        connection = self._connection.current
        self.users: UserRepository = SqlAlchemyUserRepository(connection)
        self.sessions: SessionRepository = SqlAlchemySessionRepository(connection)
        self.tasks: TaskRepository = SqlAlchemyTaskRepository(connection)
        self.posts: PostRepository = SqlAlchemyPostRepository(connection)
        self.action_tokens: ActionTokenRepository = SqlAlchemyActionTokenRepository(connection)
        self.audit_events: AuditEventRepository = SqlAlchemyAuditEventRepository(connection)

    def __enter__(self) -> Self:
        self._connection.ensure_empty()
        connection = self._engine.connect()
        try:
            connection.begin()
        except BaseException:
            connection.close()
            raise
        self._connection.fill(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self._connection.take()
        if connection is not None:
            try:
                connection.rollback()
            finally:
                connection.close()

    def commit(self) -> None:
        self._connection.current().commit()
