"""Single-use email tokens in memory."""

import uuid
from datetime import datetime

from domain.action_tokens import ActionPurpose, ActionToken
from infrastructure.persistence.memory.database import TablesAccess, insert, stamp
from infrastructure.persistence.memory.queries import copy_of


class MemoryActionTokenRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, token: ActionToken) -> None:
        insert(self._tables(), "action_tokens", token.token_hash, token)

    def find(self, token_hash: str, purpose: ActionPurpose) -> ActionToken | None:
        token = self._tables().action_tokens.get(token_hash)
        # A token proves one thing only: a verification token never resets a password.
        return copy_of(token) if token is not None and token.purpose == purpose else None

    def use(self, token_hash: str, now: datetime) -> bool:
        return stamp(self._tables(), "action_tokens", [token_hash], "used_at", now) == 1

    def void_for_user(self, user_id: uuid.UUID, purpose: ActionPurpose, now: datetime) -> None:
        tables = self._tables()
        matching = [
            token.token_hash
            for token in tables.action_tokens.values()
            if token.user_id == user_id and token.purpose == purpose
        ]
        stamp(tables, "action_tokens", matching, "used_at", now)
