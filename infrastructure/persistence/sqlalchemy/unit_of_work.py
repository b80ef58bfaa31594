from types import TracebackType
from typing import Self

from sqlalchemy.engine import Connection, Engine

from application.ports.repositories import (
    PostRepository,
    SessionRepository,
    TaskRepository,
    UserRepository,
)
from infrastructure.persistence.sqlalchemy.post_repository import SqlAlchemyPostRepository
from infrastructure.persistence.sqlalchemy.repositories import (
    SqlAlchemySessionRepository,
    SqlAlchemyUserRepository,
)
from infrastructure.persistence.sqlalchemy.task_repository import SqlAlchemyTaskRepository
from infrastructure.persistence.transaction_slot import TransactionSlot


class SqlAlchemyUnitOfWork:
    """One database transaction on a fresh connection per `with` block; rolled back on exit
    unless `commit()` was called. Writes after a commit belong to a new transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: TransactionSlot[Connection] = TransactionSlot()
        self.users: UserRepository = SqlAlchemyUserRepository(self._connection.current)
        self.sessions: SessionRepository = SqlAlchemySessionRepository(self._connection.current)
        self.tasks: TaskRepository = SqlAlchemyTaskRepository(self._connection.current)
        self.posts: PostRepository = SqlAlchemyPostRepository(self._connection.current)

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
