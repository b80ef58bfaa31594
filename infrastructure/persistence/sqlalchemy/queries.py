"""What several repositories do, written once so that lists page and search alike, and
single-use markers are set alike."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import Select

from application.pagination import PageKey

SelectT = TypeVar("SelectT", bound=Select[Any])

# How repositories reach the connection of their unit of work's open transaction.
ConnectionAccess = Callable[[], Connection]


def newest_first(
    statement: SelectT, table: sa.Table, *, limit: int | None, after: PageKey | None
) -> SelectT:
    """Newest first by (created_at, id); see `newest_first_by`."""
    return newest_first_by(statement, table.c.created_at, table.c.id, limit=limit, after=after)


def newest_first_by(
    statement: SelectT,
    instant: sa.ColumnElement[datetime],
    row_id: sa.ColumnElement[uuid.UUID],
    *,
    limit: int | None,
    after: PageKey | None,
) -> SelectT:
    """Order by (instant, id) descending and keep `limit` rows (all if None) strictly after `after`.

    Each list has an index ending in (instant, id) after its equality columns. The key is
    compared as a row value, which both SQLite (>= 3.15) and PostgreSQL turn into one index
    range: a seek to the key, then a backward walk that stops after `limit` rows, with no sort.
    (The expanded `a < x OR (a = x AND id < y)` lets SQLite seek on the equality prefix only.)
    """
    statement = statement.order_by(instant.desc(), row_id.desc()).limit(limit)
    if after is None:
        return statement
    # The values take the columns' types, so the instant is converted to UTC as it is stored.
    return statement.where(sa.tuple_(instant, row_id) < (after.created_at, after.id))


def newest_first_bound(statement: SelectT, table: sa.Table, *, after: bool) -> SelectT:
    """`newest_first` with its values left as bound parameters (`limit`, and with `after` the
    key's `after_created_at` and `after_id`; see `key_parameters`), so that the statement can be
    built once for each shape of a list and reused with every request's values."""
    instant, row_id = table.c.created_at, table.c.id
    statement = statement.order_by(instant.desc(), row_id.desc()).limit(
        sa.bindparam("limit", type_=sa.Integer)
    )
    if not after:
        return statement
    bound_key = sa.tuple_(
        sa.bindparam("after_created_at", type_=instant.type),
        sa.bindparam("after_id", type_=row_id.type),
    )
    return statement.where(sa.tuple_(instant, row_id) < bound_key)


def key_parameters(limit: int, after: PageKey | None) -> dict[str, Any]:
    """The values of `newest_first_bound`'s parameters."""
    if after is None:
        return {"limit": limit}
    return {"limit": limit, "after_created_at": after.created_at, "after_id": after.id}


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


LIKE_ESCAPE = "/"


def contains_bound(name: str, *folded_columns: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """`contains_literal` with the pattern as the bound parameter `name` (see `like_pattern`)."""
    pattern = sa.bindparam(name, type_=sa.String)
    return sa.or_(*(column.like(pattern, escape=LIKE_ESCAPE) for column in folded_columns))


def like_pattern(term: str) -> str:
    """The LIKE pattern of `contains_bound` for `term`: folded, with its `%`, `_` and escape
    characters made literal, as `autoescape` does."""
    escaped = "".join(LIKE_ESCAPE + c if c in "%_" + LIKE_ESCAPE else c for c in term.lower())
    return f"%{escaped}%"


def stamp(
    connection: Connection,
    column: sa.Column[datetime],
    now: datetime,
    *conditions: sa.ColumnElement[bool],
) -> int:
    """Set a not-yet-set instant (spent, used, revoked) on the rows matching `conditions`, in
    one conditional UPDATE; return how many rows changed.

    Race-safe because `column IS NULL` is in the WHERE clause, not checked before: SQLite lets
    one writer in at a time, and PostgreSQL (at READ COMMITTED, its default), when a concurrent
    transaction changed the row first, waits for it and evaluates the condition again on the
    committed row, so of callers racing for one row exactly one changes it.
    """
    table = column.table
    statement = sa.update(table).where(*conditions, column.is_(None)).values({column: now})
    return connection.execute(statement).rowcount


def locked(statement: SelectT, *tables: sa.Table) -> SelectT:
    """The statement, locking the rows it reads from `tables` until the transaction ends.

    PostgreSQL: FOR NO KEY UPDATE, the lock an UPDATE that keeps the key takes, so concurrent
    writers of the row wait while rows that merely reference it (a new task, a new session) can
    still be inserted. SQLite renders nothing: its writing transactions hold the database's
    write lock from their first statement (BEGIN IMMEDIATE), which already keeps them apart.
    """
    return statement.with_for_update(of=list(tables) or None, key_share=True)


def never_lower(column: sa.Column[int], value: int) -> sa.ColumnElement[int]:
    """`value`, unless the stored one is already higher (a counter that only moves forward)."""
    return sa.case((column > value, column), else_=sa.literal(value, column.type))


def keep_first(column: sa.Column[datetime], value: datetime | None) -> sa.ColumnElement[Any]:
    """The stored instant if one is set, else `value` (a revocation, once made, stays)."""
    return sa.func.coalesce(column, sa.literal(value, column.type))


def write(connection: Connection, statement: sa.Executable) -> None:
    """Run a write that a constraint may refuse (the IntegrityError goes to the caller).

    The savepoint keeps the transaction usable after a refusal (PostgreSQL would otherwise
    abort it), as the in-memory adapter's is.
    """
    with connection.begin_nested():
        connection.execute(statement)
