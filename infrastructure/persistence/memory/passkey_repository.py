"""Passkeys and the challenges of their ceremonies, in memory."""

import uuid
from dataclasses import replace
from datetime import datetime

from domain.errors import PasskeyAlreadyRegistered
from domain.passkeys import Passkey, WebAuthnChallenge
from infrastructure.persistence.memory.database import (
    TablesAccess,
    delete,
    insert,
    replace_row,
    stamp,
)
from infrastructure.persistence.memory.queries import copy_of, newest_first


class MemoryPasskeyRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, passkey: Passkey) -> None:
        tables = self._tables()
        # As the SQL schema's unique constraint on credential_id.
        if any(row.credential_id == passkey.credential_id for row in tables.passkeys.values()):
            raise PasskeyAlreadyRegistered()
        insert(tables, "passkeys", passkey.id, passkey)

    def get(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None:
        passkey = self._tables().passkeys.get(passkey_id)
        return copy_of(passkey) if passkey is not None and passkey.user_id == user_id else None

    def find_by_credential_id(self, credential_id: bytes) -> Passkey | None:
        found = (p for p in self._tables().passkeys.values() if p.credential_id == credential_id)
        return copy_of(next(found, None))

    def get_by_credential_id_for_update(self, credential_id: bytes) -> Passkey | None:
        # The unit of work holds the store's lock: every row is as locked as it can be.
        return self.find_by_credential_id(credential_id)

    def list_for_user(self, user_id: uuid.UUID) -> list[Passkey]:
        mine = (p for p in self._tables().passkeys.values() if p.user_id == user_id)
        return [replace(p) for p in newest_first(mine, limit=None, after=None)]

    def count_for_user(self, user_id: uuid.UUID) -> int:
        return sum(p.user_id == user_id for p in self._tables().passkeys.values())

    def update(self, passkey: Passkey) -> None:
        tables = self._tables()
        stored = tables.passkeys.get(passkey.id)
        if stored is None or stored.user_id != passkey.user_id:
            return
        # As the SQL adapter's CASE: a counter never moves back, even for a stale passkey.
        sign_count = max(stored.sign_count, passkey.sign_count)
        replace_row(tables, "passkeys", passkey.id, replace(passkey, sign_count=sign_count))

    def delete(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> bool:
        tables = self._tables()
        passkey = tables.passkeys.get(passkey_id)
        if passkey is None or passkey.user_id != user_id:
            return False
        delete(tables, "passkeys", passkey_id)
        return True

    def delete_for_user(self, user_id: uuid.UUID) -> int:
        tables = self._tables()
        mine = [key for key, passkey in tables.passkeys.items() if passkey.user_id == user_id]
        for key in mine:
            delete(tables, "passkeys", key)
        return len(mine)


class MemoryWebAuthnChallengeRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, challenge: WebAuthnChallenge) -> None:
        insert(self._tables(), "webauthn_challenges", challenge.challenge_hash, challenge)

    def find(self, challenge_hash: str) -> WebAuthnChallenge | None:
        return copy_of(self._tables().webauthn_challenges.get(challenge_hash))

    def spend(self, challenge_hash: str, now: datetime) -> bool:
        return stamp(self._tables(), "webauthn_challenges", [challenge_hash], "spent_at", now) == 1

    def delete_expired(self, now: datetime) -> None:
        tables = self._tables()
        expired = [
            key
            for key, challenge in tables.webauthn_challenges.items()
            if challenge.expires_at <= now
        ]
        for key in expired:
            delete(tables, "webauthn_challenges", key)
