"""Every store keeps instants in UTC, so that adapters agree on what they hand back."""

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused, since its instant is unknown."""
    if value.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got naive {value!r}")
    return value.astimezone(UTC)
