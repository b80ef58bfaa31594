"""The second steps of logins (mfa tokens) in memory."""

import uuid
from datetime import datetime

from domain.mfa import MfaToken
from infrastructure.persistence.memory.database import TablesAccess, delete, insert, stamp
from infrastructure.persistence.memory.queries import copy_of


class MemoryMfaTokenRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, token: MfaToken) -> None:
        insert(self._tables(), "mfa_tokens", token.token_hash, token)

    def find(self, token_hash: str) -> MfaToken | None:
        return copy_of(self._tables().mfa_tokens.get(token_hash))

    def spend(self, token_hash: str, now: datetime) -> bool:
        return stamp(self._tables(), "mfa_tokens", [token_hash], "spent_at", now) == 1

    def delete_expired(self, user_id: uuid.UUID, now: datetime) -> None:
        tables = self._tables()
        expired = [
            token.token_hash
            for token in tables.mfa_tokens.values()
            if token.user_id == user_id and token.expires_at <= now
        ]
        for token_hash in expired:
            delete(tables, "mfa_tokens", token_hash)
