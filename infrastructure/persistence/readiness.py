"""Can the service use its database now? What `/ready` asks."""

from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from infrastructure.persistence.outage import DatabaseOutageLog
from infrastructure.persistence.sqlalchemy.engine import is_database_unreachable


class NotReady(StrEnum):
    """Why not: the error code `/ready` answers with."""

    UNREACHABLE = "database_unavailable"
    NOT_MIGRATED = "database_not_migrated"


class SqlAlchemyReadiness:
    """Ready when the database answers and its schema is at `expected_revision` (the migrations'
    head): a server started on an older or empty schema would answer 500 to every request.
    Bounded by the engine's timeouts (connect, pool, response); `/ready` waits less still."""

    def __init__(
        self,
        engine: Engine,
        outage_log: DatabaseOutageLog | None = None,
        expected_revision: str | None = None,
    ) -> None:
        self._engine = engine
        self._outage_log = outage_log or DatabaseOutageLog()
        self._expected_revision = expected_revision

    def problem(self) -> NotReady | None:
        try:
            with self._engine.connect() as connection:
                revision = connection.execute(text("SELECT version_num FROM alembic_version"))
                current = revision.scalar()
        except SQLAlchemyError as error:
            if is_database_unreachable(error):
                self._outage_log.unreachable(error)
                return NotReady.UNREACHABLE
            self._outage_log.answered()
            return NotReady.NOT_MIGRATED  # no alembic_version table: never migrated
        self._outage_log.answered()
        if self._expected_revision is not None and current != self._expected_revision:
            return NotReady.NOT_MIGRATED
        return None


class MemoryReadiness:
    def problem(self) -> NotReady | None:
        return None
