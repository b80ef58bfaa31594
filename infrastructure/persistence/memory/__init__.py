"""The in-memory persistence adapter: `DATABASE_URL=memory://`, and the fakes of use-case tests."""

from infrastructure.persistence.memory.database import ConstraintViolation, MemoryDatabase
from infrastructure.persistence.memory.unit_of_work import MemoryUnitOfWork

__all__ = ["ConstraintViolation", "MemoryDatabase", "MemoryUnitOfWork"]
