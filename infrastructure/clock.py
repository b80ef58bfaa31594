"""The real clock: the one place that reads the system time."""

from datetime import UTC, datetime


class SystemClock:
    """Implements the Clock port with the system's time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
