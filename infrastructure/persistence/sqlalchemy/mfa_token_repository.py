"""The second steps of logins (mfa tokens) as SQLAlchemy Core statements."""

import uuid
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa

from domain.mfa import MfaToken
from infrastructure.persistence.sqlalchemy.mapping import mfa_token_from_row
from infrastructure.persistence.sqlalchemy.queries import ConnectionAccess, stamp, write
from infrastructure.persistence.sqlalchemy.tables import mfa_tokens


class SqlAlchemyMfaTokenRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, token: MfaToken) -> None:
        write(self._connection(), sa.insert(mfa_tokens).values(asdict(token)))

    def find(self, token_hash: str) -> MfaToken | None:
        statement = sa.select(mfa_tokens).where(mfa_tokens.c.token_hash == token_hash)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else mfa_token_from_row(row)

    def spend(self, token_hash: str, now: datetime) -> bool:
        spent = stamp(
            self._connection(), mfa_tokens.c.spent_at, now, mfa_tokens.c.token_hash == token_hash
        )
        return spent == 1

    def delete_expired(self, user_id: uuid.UUID, now: datetime) -> None:
        statement = sa.delete(mfa_tokens).where(
            mfa_tokens.c.user_id == user_id, mfa_tokens.c.expires_at <= now
        )
        self._connection().execute(statement)
