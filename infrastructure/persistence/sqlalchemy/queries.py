"""What every SQL list does, written once so users, tasks and posts page and search alike."""

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import Select

from application.pagination import PageKey

SelectT = TypeVar("SelectT", bound=Select[Any])

# How repositories reach the connection of their unit of work's open transaction.
ConnectionAccess = Callable[[], Connection]


def newest_first(
    statement: SelectT, table: sa.Table, *, limit: int, after: PageKey | None
) -> SelectT:
    """Order by (created_at, id) descending and keep `limit` rows strictly after `after`.

    Each list has an index ending in (created_at, id) after its equality columns. The key is
    compared as a row value, which both SQLite (>= 3.15) and PostgreSQL turn into one index
    range: a seek to the key, then a backward walk that stops after `limit` rows, with no sort.
    (The expanded `a < x OR (a = x AND id < y)` lets SQLite seek on the equality prefix only.)
    """
    key = table.c.created_at, table.c.id
    statement = statement.order_by(*(column.desc() for column in key)).limit(limit)
    if after is None:
        return statement
    # The values take the columns' types, so the instant is converted to UTC as it is stored.
    return statement.where(sa.tuple_(*key) < (after.created_at, after.id))


def folded(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The column in lower case, as the search compares it (on SQLite, Python's str.lower,
    installed by the engine, so that non-ASCII letters fold as on PostgreSQL)."""
    return sa.func.lower(column)


def contains_literal(term: str, *folded_columns: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """`term` is a case-insensitive literal substring of one of the already folded columns.

    autoescape makes `%` and `_` in the term literal; a NULL column matches nothing.
    """
    needle = term.lower()
    return sa.or_(*(column.contains(needle, autoescape=True) for column in folded_columns))


def write(connection: Connection, statement: sa.Executable) -> None:
    """Run a write that a constraint may refuse (the IntegrityError goes to the caller).

    The savepoint keeps the transaction usable after a refusal (PostgreSQL would otherwise
    abort it), as the in-memory adapter's is.
    """
    with connection.begin_nested():
        connection.execute(statement)
