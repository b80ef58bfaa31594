"""What every in-memory list does, written once so users, tasks and posts behave like SQL."""

import copy
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from application.pagination import PageKey

T = TypeVar("T")


class Keyed(Protocol):
    """A row with the (created_at, id) key that lists are ordered and paged by."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def id(self) -> uuid.UUID: ...


KeyedT = TypeVar("KeyedT", bound=Keyed)


def newest_first(rows: Iterable[KeyedT], *, limit: int, after: PageKey | None) -> list[KeyedT]:
    """The SQL adapters' `WHERE (created_at, id) < after ORDER BY created_at DESC, id DESC LIMIT`.

    UUIDs order here by their 128-bit value, which is the order of their bytes on PostgreSQL
    and of their hex text on SQLite, so ties break alike everywhere.
    """
    selected = [
        row
        for row in rows
        if after is None or (row.created_at, row.id) < (after.created_at, after.id)
    ]
    selected.sort(key=lambda row: (row.created_at, row.id), reverse=True)
    return selected[:limit]


def contains_folded(term: str, *texts: str | None) -> bool:
    """The SQL adapters' `lower(column) LIKE '%' || lower(term) || '%'` with % and _ escaped:
    a case-insensitive literal substring of any of the texts; a missing text matches nothing."""
    folded = term.lower()
    return any(folded in text.lower() for text in texts if text is not None)


def copy_of(row: T | None) -> T | None:
    """Callers get copies, so changing what they got changes nothing until `update()`."""
    return None if row is None else copy.copy(row)
