"""Passkeys and the challenges of their ceremonies, as SQLAlchemy Core statements."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from domain.errors import PasskeyAlreadyRegistered
from domain.passkeys import Passkey, WebAuthnChallenge
from infrastructure.persistence.sqlalchemy.mapping import (
    challenge_from_row,
    challenge_values,
    passkey_from_row,
    passkey_values,
)
from infrastructure.persistence.sqlalchemy.queries import (
    ConnectionAccess,
    locked,
    never_lower,
    newest_first,
    stamp,
    write,
)
from infrastructure.persistence.sqlalchemy.tables import passkeys, webauthn_challenges


class SqlAlchemyPasskeyRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, passkey: Passkey) -> None:
        try:
            write(self._connection(), sa.insert(passkeys).values(passkey_values(passkey)))
        except IntegrityError as error:
            # PostgreSQL names the constraint; SQLite's message names the column.
            diagnostics = getattr(error.orig, "diag", None)
            culprit = getattr(diagnostics, "constraint_name", None) or str(error.orig)
            if passkeys.c.credential_id.name in culprit:
                raise PasskeyAlreadyRegistered() from None
            raise

    def get(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None:
        statement = sa.select(passkeys).where(
            passkeys.c.id == passkey_id, passkeys.c.user_id == user_id
        )
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else passkey_from_row(row)

    def find_by_credential_id(self, credential_id: bytes) -> Passkey | None:
        return self._by_credential_id(credential_id, for_update=False)

    def get_by_credential_id_for_update(self, credential_id: bytes) -> Passkey | None:
        return self._by_credential_id(credential_id, for_update=True)

    def _by_credential_id(self, credential_id: bytes, *, for_update: bool) -> Passkey | None:
        statement = sa.select(passkeys).where(passkeys.c.credential_id == credential_id)
        if for_update:
            statement = locked(statement)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else passkey_from_row(row)

    def list_for_user(self, user_id: uuid.UUID) -> list[Passkey]:
        statement = newest_first(
            sa.select(passkeys).where(passkeys.c.user_id == user_id),
            passkeys,
            limit=None,
            after=None,
        )
        rows = self._connection().execute(statement).mappings()
        return [passkey_from_row(row) for row in rows]

    def count_for_user(self, user_id: uuid.UUID) -> int:
        statement = (
            sa.select(sa.func.count()).select_from(passkeys).where(passkeys.c.user_id == user_id)
        )
        return int(self._connection().execute(statement).scalar_one())

    def update(self, passkey: Passkey) -> None:
        values = passkey_values(passkey) | {
            "sign_count": never_lower(passkeys.c.sign_count, passkey.sign_count)
        }
        statement = (
            sa.update(passkeys)
            .where(passkeys.c.id == passkey.id, passkeys.c.user_id == passkey.user_id)
            .values(values)
        )
        write(self._connection(), statement)

    def delete(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> bool:
        statement = sa.delete(passkeys).where(
            passkeys.c.id == passkey_id, passkeys.c.user_id == user_id
        )
        return self._connection().execute(statement).rowcount == 1

    def delete_for_user(self, user_id: uuid.UUID) -> int:
        statement = sa.delete(passkeys).where(passkeys.c.user_id == user_id)
        return int(self._connection().execute(statement).rowcount)


class SqlAlchemyWebAuthnChallengeRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, challenge: WebAuthnChallenge) -> None:
        write(
            self._connection(),
            sa.insert(webauthn_challenges).values(challenge_values(challenge)),
        )

    def find(self, challenge_hash: str) -> WebAuthnChallenge | None:
        statement = sa.select(webauthn_challenges).where(
            webauthn_challenges.c.challenge_hash == challenge_hash
        )
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else challenge_from_row(row)

    def spend(self, challenge_hash: str, now: datetime) -> bool:
        spent = stamp(
            self._connection(),
            webauthn_challenges.c.spent_at,
            now,
            webauthn_challenges.c.challenge_hash == challenge_hash,
        )
        return spent == 1

    def delete_expired(self, now: datetime) -> None:
        statement = sa.delete(webauthn_challenges).where(webauthn_challenges.c.expires_at <= now)
        self._connection().execute(statement)
