"""Keyset (cursor) pagination: each page ends at a (created_at, id) key the next one starts after."""

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from application.errors import InvalidCursor

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageKey:
    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(key: PageKey) -> str:
    raw = json.dumps({"t": key.created_at.isoformat(), "id": str(key.id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> PageKey | None:
    """Read a cursor made by `encode_cursor`; anything else is InvalidCursor, never a crash.

    A cursor comes from the client, so every part is checked: a JSON object whose `t` is an
    aware ISO timestamp and whose `id` is a UUID string. The instant is handed on in UTC, as
    every store keeps it: one that parses but has no UTC equivalent (year 1 at +05:00) is
    malformed here rather than an overflow in the adapter.
    """
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(data, dict):
            raise TypeError("not an object")
        instant, row_id = data.get("t"), data.get("id")
        if not isinstance(instant, str) or not isinstance(row_id, str):
            raise TypeError("t and id must be strings")
        created_at = datetime.fromisoformat(instant)
        if created_at.utcoffset() is None:
            raise ValueError("naive timestamp")
        return PageKey(created_at=created_at.astimezone(UTC), id=uuid.UUID(row_id))
    except (ValueError, TypeError, OverflowError, UnicodeError, binascii.Error, RecursionError):
        raise InvalidCursor() from None


class Created(Protocol):
    """A row listed newest first: users and tasks are."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def id(self) -> uuid.UUID: ...


def creation_key(row: Created) -> PageKey:
    return PageKey(created_at=row.created_at, id=row.id)


def page_of(rows: Sequence[T], limit: int, key_of: Callable[[T], PageKey]) -> Page[T]:
    """Cut a page from up to `limit + 1` rows; the extra row only tells that more exist."""
    items = list(rows[:limit])
    has_more = len(rows) > limit
    next_cursor = encode_cursor(key_of(items[-1])) if has_more and items else None
    return Page(items=items, next_cursor=next_cursor)
