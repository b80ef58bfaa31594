"""Authenticators (TOTP factors) as SQLAlchemy Core statements."""

import uuid
from dataclasses import asdict

import sqlalchemy as sa

from domain.mfa import TotpFactor
from infrastructure.persistence.sqlalchemy.mapping import totp_factor_from_row
from infrastructure.persistence.sqlalchemy.queries import ConnectionAccess, locked, write
from infrastructure.persistence.sqlalchemy.tables import totp_factors


class SqlAlchemyTotpFactorRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, factor: TotpFactor) -> None:
        write(self._connection(), sa.insert(totp_factors).values(asdict(factor)))

    def get(self, user_id: uuid.UUID) -> TotpFactor | None:
        return self._one(user_id, for_update=False)

    def get_for_update(self, user_id: uuid.UUID) -> TotpFactor | None:
        return self._one(user_id, for_update=True)

    def update(self, factor: TotpFactor) -> None:
        values = asdict(factor) | {"last_used_step": _never_back(factor.last_used_step)}
        statement = (
            sa.update(totp_factors).where(totp_factors.c.user_id == factor.user_id).values(values)
        )
        write(self._connection(), statement)

    def delete(self, user_id: uuid.UUID) -> None:
        statement = sa.delete(totp_factors).where(totp_factors.c.user_id == user_id)
        self._connection().execute(statement)

    def _one(self, user_id: uuid.UUID, *, for_update: bool) -> TotpFactor | None:
        statement = sa.select(totp_factors).where(totp_factors.c.user_id == user_id)
        if for_update:
            statement = locked(statement)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else totp_factor_from_row(row)


def _never_back(step: int | None) -> sa.ColumnElement[int]:
    """`step`, unless the stored one is later (or `step` is None): a used step stays used, even
    when a stale factor is written back."""
    stored = totp_factors.c.last_used_step
    new = sa.literal(step, stored.type)
    return sa.case(
        (sa.and_(stored.is_not(None), sa.or_(new.is_(None), stored > new)), stored), else_=new
    )
