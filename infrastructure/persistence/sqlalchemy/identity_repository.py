"""Identities at external providers, and the records of a sign-in through one, as SQLAlchemy
Core statements."""

import uuid
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from domain.errors import IdentityAlreadyLinked
from domain.identities import Identity, LoginCode, OidcFlow
from infrastructure.persistence.sqlalchemy.mapping import (
    identity_from_row,
    login_code_from_row,
    login_code_values,
    oidc_flow_from_row,
)
from infrastructure.persistence.sqlalchemy.queries import ConnectionAccess, stamp, write
from infrastructure.persistence.sqlalchemy.tables import identities, login_codes, oidc_flows


class SqlAlchemyIdentityRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, identity: Identity) -> None:
        try:
            write(self._connection(), sa.insert(identities).values(asdict(identity)))
        except IntegrityError:
            # The only unique rule besides the random primary key: (provider, subject).
            raise IdentityAlreadyLinked() from None

    def find(self, provider: str, subject: str) -> Identity | None:
        statement = sa.select(identities).where(
            identities.c.provider == provider, identities.c.subject == subject
        )
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else identity_from_row(row)

    def get(self, user_id: uuid.UUID, identity_id: uuid.UUID) -> Identity | None:
        statement = sa.select(identities).where(
            identities.c.id == identity_id, identities.c.user_id == user_id
        )
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else identity_from_row(row)

    def list_for_user(self, user_id: uuid.UUID) -> list[Identity]:
        statement = (
            sa.select(identities)
            .where(identities.c.user_id == user_id)
            .order_by(identities.c.linked_at, identities.c.id)
        )
        return [identity_from_row(row) for row in self._connection().execute(statement).mappings()]

    def count_for_user(self, user_id: uuid.UUID) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(identities)
            .where(identities.c.user_id == user_id)
        )
        return int(self._connection().execute(statement).scalar_one())

    def delete(self, user_id: uuid.UUID, identity_id: uuid.UUID) -> bool:
        statement = sa.delete(identities).where(
            identities.c.id == identity_id, identities.c.user_id == user_id
        )
        return self._connection().execute(statement).rowcount == 1


class SqlAlchemyOidcFlowRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, flow: OidcFlow) -> None:
        write(self._connection(), sa.insert(oidc_flows).values(asdict(flow)))

    def find(self, state_hash: str) -> OidcFlow | None:
        statement = sa.select(oidc_flows).where(oidc_flows.c.state_hash == state_hash)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else oidc_flow_from_row(row)

    def spend(self, state_hash: str, now: datetime) -> bool:
        spent = stamp(
            self._connection(), oidc_flows.c.spent_at, now, oidc_flows.c.state_hash == state_hash
        )
        return spent == 1

    def delete_expired(self, now: datetime) -> None:
        self._connection().execute(sa.delete(oidc_flows).where(oidc_flows.c.expires_at <= now))


class SqlAlchemyLoginCodeRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, code: LoginCode) -> None:
        write(self._connection(), sa.insert(login_codes).values(login_code_values(code)))

    def find(self, code_hash: str) -> LoginCode | None:
        statement = sa.select(login_codes).where(login_codes.c.code_hash == code_hash)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else login_code_from_row(row)

    def spend(self, code_hash: str, now: datetime) -> bool:
        spent = stamp(
            self._connection(), login_codes.c.spent_at, now, login_codes.c.code_hash == code_hash
        )
        return spent == 1

    def delete_expired(self, now: datetime) -> None:
        self._connection().execute(sa.delete(login_codes).where(login_codes.c.expires_at <= now))
