"""Sessions and their refresh tokens in memory."""

import copy
import uuid
from dataclasses import replace
from datetime import datetime

from application.ports.repositories import RefreshTokenRecord
from domain.sessions import AuthSession
from domain.users import User
from infrastructure.persistence.memory.database import (
    BrowserKey,
    TablesAccess,
    insert,
    replace_row,
    stamp,
)
from infrastructure.persistence.memory.queries import copy_of, newest_first


class MemorySessionRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, session: AuthSession) -> None:
        insert(self._tables(), "sessions", session.id, session)

    def get(self, session_id: uuid.UUID) -> AuthSession | None:
        return copy_of(self._tables().sessions.get(session_id))

    def get_for_update(self, session_id: uuid.UUID) -> AuthSession | None:
        # The unit of work holds the store's lock: every row is as locked as it can be.
        return self.get(session_id)

    def get_with_user(self, session_id: uuid.UUID) -> tuple[AuthSession, User] | None:
        tables = self._tables()
        session = copy_of(tables.sessions.get(session_id))
        # The SQL adapter's inner join: no pair unless both rows exist.
        user = None if session is None else copy_of(tables.users.get(session.user_id))
        return None if session is None or user is None else (session, user)

    def get_with_user_by_browser_key(self, key_hash: str) -> tuple[AuthSession, User] | None:
        found = self._tables().browser_keys.get(key_hash)
        return None if found is None else self.get_with_user(found.session_id)

    def update(self, session: AuthSession) -> None:
        stored = self._tables().sessions.get(session.id)
        if stored is not None and stored.revoked_at is not None:
            session = replace(session, revoked_at=stored.revoked_at)
        replace_row(self._tables(), "sessions", session.id, session)

    def revoke_all_for_user(
        self, user_id: uuid.UUID, now: datetime, *, except_session: uuid.UUID | None = None
    ) -> None:
        tables = self._tables()
        owned = [
            session.id
            for session in tables.sessions.values()
            if session.user_id == user_id and session.id != except_session
        ]
        stamp(tables, "sessions", owned, "revoked_at", now)

    def list_live_for_user(self, user_id: uuid.UUID, now: datetime) -> list[AuthSession]:
        live = (
            session
            for session in self._tables().sessions.values()
            if session.user_id == user_id
            # Spelled out, not AuthSession.is_usable: the SQL adapter's WHERE clause, condition
            # for condition, so that both adapters mean the same "live".
            and session.revoked_at is None
            and now < session.idle_expires_at
            and now < session.absolute_expires_at
        )
        return [copy.copy(session) for session in newest_first(live, limit=None, after=None)]

    def add_refresh_token(self, session_id: uuid.UUID, token_hash: str, now: datetime) -> None:
        record = RefreshTokenRecord(
            token_hash=token_hash, session_id=session_id, created_at=now, spent_at=None
        )
        insert(self._tables(), "refresh_tokens", token_hash, record)

    def find_refresh_token(self, token_hash: str) -> RefreshTokenRecord | None:
        # Records are frozen: the stored one can be handed out as it is.
        return self._tables().refresh_tokens.get(token_hash)

    def add_browser_key(self, session_id: uuid.UUID, key_hash: str) -> None:
        insert(self._tables(), "browser_keys", key_hash, BrowserKey(key_hash, session_id))

    def spend_refresh_token(self, token_hash: str, now: datetime) -> bool:
        return stamp(self._tables(), "refresh_tokens", [token_hash], "spent_at", now) == 1
