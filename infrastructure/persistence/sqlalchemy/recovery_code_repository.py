"""Recovery codes (their hashes) as SQLAlchemy Core statements."""

import uuid
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa

from domain.mfa import RecoveryCode
from infrastructure.persistence.sqlalchemy.queries import ConnectionAccess, stamp, write
from infrastructure.persistence.sqlalchemy.tables import recovery_codes


class SqlAlchemyRecoveryCodeRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def replace(self, user_id: uuid.UUID, codes: list[RecoveryCode]) -> None:
        connection = self._connection()
        self.delete_for_user(user_id)
        if codes:
            write(connection, sa.insert(recovery_codes).values([asdict(code) for code in codes]))

    def use(self, user_id: uuid.UUID, code_hash: str, now: datetime) -> bool:
        used = stamp(
            self._connection(),
            recovery_codes.c.used_at,
            now,
            recovery_codes.c.user_id == user_id,
            recovery_codes.c.code_hash == code_hash,
        )
        return used == 1

    def count_unused(self, user_id: uuid.UUID) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(recovery_codes)
            .where(recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None))
        )
        return int(self._connection().execute(statement).scalar_one())

    def delete_for_user(self, user_id: uuid.UUID) -> None:
        statement = sa.delete(recovery_codes).where(recovery_codes.c.user_id == user_id)
        self._connection().execute(statement)
