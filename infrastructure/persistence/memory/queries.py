"""What every in-memory list does, written once so that each behaves like its SQL query."""

import copy
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from application.pagination import PageKey

T = TypeVar("T")


class Keyed(Protocol):
    """A row with the (created_at, id) key that most lists are ordered and paged by."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def id(self) -> uuid.UUID: ...


KeyedT = TypeVar("KeyedT", bound=Keyed)

# A row's position in a list: an instant, then its id to break ties.
SortKey = tuple[datetime, uuid.UUID]


def newest_first(
    rows: Iterable[KeyedT], *, limit: int | None, after: PageKey | None
) -> list[KeyedT]:
    """Newest first by (created_at, id); see `newest_first_by`."""
    return newest_first_by(rows, lambda row: (row.created_at, row.id), limit=limit, after=after)


def newest_first_by(
    rows: Iterable[T], key: Callable[[T], SortKey], *, limit: int | None, after: PageKey | None
) -> list[T]:
    """The SQL adapters' `WHERE key < after ORDER BY key DESC LIMIT limit` (no limit if None).

    UUIDs order here by their 128-bit value, which is the order of their bytes on PostgreSQL
    and of their hex text on SQLite, so ties break alike everywhere.
    """
    selected = [row for row in rows if after is None or key(row) < (after.created_at, after.id)]
    selected.sort(key=key, reverse=True)
    return selected if limit is None else selected[:limit]


def contains_folded(term: str, *texts: str | None) -> bool:
    """The SQL adapters' `lower(column) LIKE '%' || lower(term) || '%'` with % and _ escaped:
    a case-insensitive literal substring of any of the texts; a missing text matches nothing."""
    folded = term.lower()
    return any(folded in text.lower() for text in texts if text is not None)


def copy_of(row: T | None) -> T | None:
    """Callers get copies, so changing what they got changes nothing until `update()`."""
    return None if row is None else copy.copy(row)
