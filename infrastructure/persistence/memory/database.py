"""The in-memory store: tables of domain objects, one store per process, one transaction at a time."""

import threading
import uuid
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from application.ports.audit import AuditEvent
from application.ports.repositories import RefreshTokenRecord
from domain.action_tokens import ActionToken
from domain.identities import Identity, LoginCode, OidcFlow
from domain.mfa import MfaToken, RecoveryCode, TotpFactor
from domain.passkeys import Passkey, WebAuthnChallenge
from domain.posts import Post
from domain.sessions import AuthSession
from domain.tasks import Task
from domain.users import User
from infrastructure.persistence.timestamps import as_utc

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RowT = TypeVar("RowT", bound="DataclassInstance")


class ConstraintViolation(Exception):
    """A write broke a key rule that the SQL schema enforces too (duplicate key, missing parent)."""


@dataclass(frozen=True)
class BrowserKey:
    """A row of the SQL schema's browser_keys: the hash of a browser session's cookie."""

    key_hash: str
    session_id: uuid.UUID


@dataclass
class Tables:
    """Rows by primary key. Rows are replaced, never changed in place, so a shallow copy of the
    tables is an independent snapshot."""

    users: dict[uuid.UUID, User] = field(default_factory=dict)
    sessions: dict[uuid.UUID, AuthSession] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshTokenRecord] = field(default_factory=dict)
    browser_keys: dict[str, BrowserKey] = field(default_factory=dict)
    tasks: dict[uuid.UUID, Task] = field(default_factory=dict)
    posts: dict[uuid.UUID, Post] = field(default_factory=dict)
    action_tokens: dict[str, ActionToken] = field(default_factory=dict)
    audit_events: dict[uuid.UUID, AuditEvent] = field(default_factory=dict)
    totp_factors: dict[uuid.UUID, TotpFactor] = field(default_factory=dict)
    recovery_codes: dict[tuple[uuid.UUID, str], RecoveryCode] = field(default_factory=dict)
    mfa_tokens: dict[str, MfaToken] = field(default_factory=dict)
    passkeys: dict[uuid.UUID, Passkey] = field(default_factory=dict)
    webauthn_challenges: dict[str, WebAuthnChallenge] = field(default_factory=dict)
    identities: dict[uuid.UUID, Identity] = field(default_factory=dict)
    oidc_flows: dict[str, OidcFlow] = field(default_factory=dict)
    login_codes: dict[str, LoginCode] = field(default_factory=dict)

    def copy(self) -> "Tables":
        return Tables(**{table.name: dict(getattr(self, table.name)) for table in fields(self)})


# How repositories reach the tables of their unit of work's open transaction.
TablesAccess = Callable[[], Tables]


@dataclass(frozen=True)
class ForeignKey:
    """Rows of `child` name a row of `parent` in their attribute `column`; deleting cascades."""

    child: str
    column: str
    parent: str


# The same foreign keys as the SQL schema; a table added later adds a line here. The audit
# trail has none, on purpose: its events outlive the users they name.
FOREIGN_KEYS = (
    ForeignKey(child="sessions", column="user_id", parent="users"),
    ForeignKey(child="refresh_tokens", column="session_id", parent="sessions"),
    ForeignKey(child="browser_keys", column="session_id", parent="sessions"),
    ForeignKey(child="tasks", column="owner_id", parent="users"),
    ForeignKey(child="posts", column="author_id", parent="users"),
    ForeignKey(child="action_tokens", column="user_id", parent="users"),
    ForeignKey(child="totp_factors", column="user_id", parent="users"),
    ForeignKey(child="recovery_codes", column="user_id", parent="users"),
    ForeignKey(child="mfa_tokens", column="user_id", parent="users"),
    ForeignKey(child="passkeys", column="user_id", parent="users"),
    ForeignKey(child="webauthn_challenges", column="user_id", parent="users"),
    ForeignKey(child="identities", column="user_id", parent="users"),
    ForeignKey(child="oidc_flows", column="link_user_id", parent="users"),
    ForeignKey(child="login_codes", column="user_id", parent="users"),
)


def stored(row: RowT) -> RowT:
    """A private copy of a row, its datetimes in UTC as the SQL adapters hand them back."""
    changes = {
        column.name: as_utc(value)
        for column in fields(row)
        if isinstance(value := getattr(row, column.name), datetime)
    }
    return replace(row, **changes)


def insert(tables: Tables, table: str, key: Hashable, row: Any) -> None:
    rows = _rows(tables, table)
    if key in rows:
        raise ConstraintViolation(f"{table}: duplicate key {key!r}")
    _check_parents(tables, table, row)
    rows[key] = stored(row)


def replace_row(tables: Tables, table: str, key: Hashable, row: Any) -> None:
    """Like SQL's UPDATE ... WHERE key: a missing row is not created."""
    rows = _rows(tables, table)
    if key in rows:
        _check_parents(tables, table, row)
        rows[key] = stored(row)


def stamp(tables: Tables, table: str, keys: Iterable[Hashable], column: str, now: datetime) -> int:
    """SQL's `UPDATE table SET column = now WHERE key IN keys AND column IS NULL`: set a
    not-yet-set instant (spent, used, revoked) and return how many rows changed.

    The unit of work holds the store's lock, so of concurrent callers only the first sees the
    column unset, as the condition in the SQL adapters' WHERE clause ensures there.
    """
    rows = _rows(tables, table)
    changed = 0
    for key in keys:
        row = rows.get(key)
        if row is not None and getattr(row, column) is None:
            rows[key] = stored(replace(row, **{column: now}))
            changed += 1
    return changed


def delete(tables: Tables, table: str, key: Hashable) -> None:
    """Delete a row and, like ON DELETE CASCADE, every row that depends on it."""
    if _rows(tables, table).pop(key, None) is None:
        return
    for foreign_key in FOREIGN_KEYS:
        if foreign_key.parent == table:
            children = _rows(tables, foreign_key.child)
            orphans = [k for k, row in children.items() if getattr(row, foreign_key.column) == key]
            for orphan in orphans:
                delete(tables, foreign_key.child, orphan)


def _check_parents(tables: Tables, table: str, row: Any) -> None:
    for foreign_key in FOREIGN_KEYS:
        parent_key = getattr(row, foreign_key.column) if foreign_key.child == table else None
        if parent_key is not None and parent_key not in _rows(tables, foreign_key.parent):
            raise ConstraintViolation(f"{table}.{foreign_key.column}: no {foreign_key.parent} row")


def _rows(tables: Tables, table: str) -> dict[Any, Any]:
    rows: dict[Any, Any] = getattr(tables, table)
    return rows


class MemoryDatabase:
    """The committed tables of one process, and the lock that lets one unit of work in at a time.

    Holding the lock for a whole unit of work gives the same guarantees as the SQL adapters
    (e.g. `count_active_admins` stays true until commit) without any finer locking.
    """

    def __init__(self) -> None:
        self._tables = Tables()
        self._lock = threading.Lock()
        self._holder: int | None = None

    def begin(self) -> Tables:
        """Wait for the store, then return a private working copy of its tables."""
        # Only this thread can have set the holder to its own id, so reading it unlocked is safe.
        if self._holder == threading.get_ident():
            raise RuntimeError("This thread already has a unit of work open on this database.")
        self._lock.acquire()
        self._holder = threading.get_ident()
        return self._tables.copy()

    def publish(self, tables: Tables) -> None:
        """Make a working copy the committed state (the caller goes on with its own copy)."""
        self._ensure_held()
        self._tables = tables.copy()

    def end(self) -> None:
        self._ensure_held()
        self._holder = None
        self._lock.release()

    def _ensure_held(self) -> None:
        if self._holder != threading.get_ident():
            raise RuntimeError("Only the thread that began a unit of work may commit or end it.")
