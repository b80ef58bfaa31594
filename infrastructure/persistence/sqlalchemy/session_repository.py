"""Sessions and their refresh tokens as SQLAlchemy Core statements."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from application.ports.repositories import RefreshTokenRecord
from domain.sessions import AuthSession
from domain.users import User
from infrastructure.persistence.sqlalchemy.mapping import (
    SESSION_COLUMNS,
    USER_COLUMNS,
    refresh_token_from_row,
    session_from_row,
    session_from_values,
    session_values,
    user_from_values,
)
from infrastructure.persistence.sqlalchemy.queries import (
    ConnectionAccess,
    keep_first,
    locked,
    newest_first,
    stamp,
    write,
)
from infrastructure.persistence.sqlalchemy.tables import (
    auth_sessions,
    browser_keys,
    refresh_tokens,
    users,
)

# Every authenticated request reads both, so they come in one query (mapped by position, so the
# clashing names id and created_at do no harm).
SESSIONS_WITH_USERS = sa.select(*SESSION_COLUMNS, *USER_COLUMNS).join_from(
    auth_sessions, users, auth_sessions.c.user_id == users.c.id
)
# Built once: a statement object keeps its compiled form's cache key, so each request skips
# building the WHERE clause and hashing the statement (about a third of this lookup's cost).
SESSION_WITH_USER = SESSIONS_WITH_USERS.where(auth_sessions.c.id == sa.bindparam("session_id"))
SESSION_WITH_USER_BY_BROWSER_KEY = SESSIONS_WITH_USERS.join(
    browser_keys, browser_keys.c.session_id == auth_sessions.c.id
).where(browser_keys.c.key_hash == sa.bindparam("key_hash"))


class SqlAlchemySessionRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, session: AuthSession) -> None:
        write(self._connection(), sa.insert(auth_sessions).values(session_values(session)))

    def get(self, session_id: uuid.UUID) -> AuthSession | None:
        statement = sa.select(auth_sessions).where(auth_sessions.c.id == session_id)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else session_from_row(row)

    def get_for_update(self, session_id: uuid.UUID) -> AuthSession | None:
        statement = locked(sa.select(auth_sessions).where(auth_sessions.c.id == session_id))
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else session_from_row(row)

    def get_with_user(self, session_id: uuid.UUID) -> tuple[AuthSession, User] | None:
        parameters = {"session_id": session_id}
        row = self._connection().execute(SESSION_WITH_USER, parameters).first()
        return None if row is None else _session_with_user(row)

    def get_with_user_by_browser_key(self, key_hash: str) -> tuple[AuthSession, User] | None:
        parameters = {"key_hash": key_hash}
        statement = SESSION_WITH_USER_BY_BROWSER_KEY
        row = self._connection().execute(statement, parameters).first()
        return None if row is None else _session_with_user(row)

    def update(self, session: AuthSession) -> None:
        values = session_values(session) | {
            "revoked_at": keep_first(auth_sessions.c.revoked_at, session.revoked_at)
        }
        statement = sa.update(auth_sessions).where(auth_sessions.c.id == session.id).values(values)
        write(self._connection(), statement)

    def revoke_all_for_user(
        self, user_id: uuid.UUID, now: datetime, *, except_session: uuid.UUID | None = None
    ) -> None:
        conditions = [auth_sessions.c.user_id == user_id]
        if except_session is not None:
            conditions.append(auth_sessions.c.id != except_session)
        stamp(self._connection(), auth_sessions.c.revoked_at, now, *conditions)

    def list_live_for_user(self, user_id: uuid.UUID, now: datetime) -> list[AuthSession]:
        statement = sa.select(auth_sessions).where(
            auth_sessions.c.user_id == user_id,
            auth_sessions.c.revoked_at.is_(None),
            auth_sessions.c.idle_expires_at > now,
            auth_sessions.c.absolute_expires_at > now,
        )
        statement = newest_first(statement, auth_sessions, limit=None, after=None)
        rows = self._connection().execute(statement).mappings()
        return [session_from_row(row) for row in rows]

    def add_refresh_token(self, session_id: uuid.UUID, token_hash: str, now: datetime) -> None:
        statement = sa.insert(refresh_tokens).values(
            token_hash=token_hash, session_id=session_id, created_at=now, spent_at=None
        )
        write(self._connection(), statement)

    def find_refresh_token(self, token_hash: str) -> RefreshTokenRecord | None:
        statement = sa.select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else refresh_token_from_row(row)

    def add_browser_key(self, session_id: uuid.UUID, key_hash: str) -> None:
        statement = sa.insert(browser_keys).values(key_hash=key_hash, session_id=session_id)
        write(self._connection(), statement)

    def spend_refresh_token(self, token_hash: str, now: datetime) -> bool:
        spent = stamp(
            self._connection(),
            refresh_tokens.c.spent_at,
            now,
            refresh_tokens.c.token_hash == token_hash,
        )
        return spent == 1


def _session_with_user(row: Sequence[Any]) -> tuple[AuthSession, User]:
    split = len(SESSION_COLUMNS)
    return session_from_values(row[:split]), user_from_values(row[split:])
