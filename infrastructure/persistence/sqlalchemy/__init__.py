"""The SQL persistence adapter (SQLite, PostgreSQL), on SQLAlchemy Core."""

from infrastructure.persistence.sqlalchemy.engine import create_database_engine
from infrastructure.persistence.sqlalchemy.tables import metadata
from infrastructure.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

__all__ = ["SqlAlchemyUnitOfWork", "create_database_engine", "metadata"]
