"""Single-use email tokens as SQLAlchemy Core statements."""

import uuid
from datetime import datetime

import sqlalchemy as sa

from domain.action_tokens import ActionPurpose, ActionToken
from infrastructure.persistence.sqlalchemy.mapping import (
    action_token_from_row,
    action_token_values,
)
from infrastructure.persistence.sqlalchemy.queries import ConnectionAccess, stamp, write
from infrastructure.persistence.sqlalchemy.tables import action_tokens


class SqlAlchemyActionTokenRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, token: ActionToken) -> None:
        write(self._connection(), sa.insert(action_tokens).values(action_token_values(token)))

    def find(self, token_hash: str, purpose: ActionPurpose) -> ActionToken | None:
        # A token proves one thing only: a verification token never resets a password.
        statement = sa.select(action_tokens).where(
            action_tokens.c.token_hash == token_hash, action_tokens.c.purpose == purpose.value
        )
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else action_token_from_row(row)

    def use(self, token_hash: str, now: datetime) -> bool:
        used = stamp(
            self._connection(),
            action_tokens.c.used_at,
            now,
            action_tokens.c.token_hash == token_hash,
        )
        return used == 1

    def void_for_user(self, user_id: uuid.UUID, purpose: ActionPurpose, now: datetime) -> None:
        stamp(
            self._connection(),
            action_tokens.c.used_at,
            now,
            action_tokens.c.user_id == user_id,
            action_tokens.c.purpose == purpose.value,
        )
