from types import TracebackType
from typing import Self

from application.ports.repositories import (
    PostRepository,
    SessionRepository,
    TaskRepository,
    UserRepository,
)
from infrastructure.persistence.memory.database import MemoryDatabase, Tables
from infrastructure.persistence.memory.post_repository import MemoryPostRepository
from infrastructure.persistence.memory.repositories import (
    MemorySessionRepository,
    MemoryUserRepository,
)
from infrastructure.persistence.memory.task_repository import MemoryTaskRepository
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
        self.users: UserRepository = MemoryUserRepository(self._tables.current)
        self.sessions: SessionRepository = MemorySessionRepository(self._tables.current)
        self.tasks: TaskRepository = MemoryTaskRepository(self._tables.current)
        self.posts: PostRepository = MemoryPostRepository(self._tables.current)

    def __enter__(self) -> Self:
        self._tables.ensure_empty()
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
        self._database.publish(self._tables.current())
        self.committed = True
