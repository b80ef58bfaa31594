"""Does the database answer? What `/ready` asks."""

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from infrastructure.persistence.outage import DatabaseOutageLog


class SqlAlchemyReadiness:
    """Bounded by the engine's timeouts (connect, pool, response); `/ready` waits less still."""

    def __init__(self, engine: Engine, outage_log: DatabaseOutageLog | None = None) -> None:
        self._engine = engine
        self._outage_log = outage_log or DatabaseOutageLog()

    def is_ready(self) -> bool:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            self._outage_log.unreachable(error)
            return False
        self._outage_log.answered()
        return True


class MemoryReadiness:
    def is_ready(self) -> bool:
        return True
