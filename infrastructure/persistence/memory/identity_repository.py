"""Identities at external providers, and the records of a sign-in through one, in memory."""

import uuid
from dataclasses import replace
from datetime import datetime

from domain.errors import IdentityAlreadyLinked
from domain.identities import Identity, LoginCode, OidcFlow
from infrastructure.persistence.memory.database import TablesAccess, delete, insert, stamp
from infrastructure.persistence.memory.queries import copy_of


class MemoryIdentityRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, identity: Identity) -> None:
        tables = self._tables()
        # As the SQL schema's unique constraint on (provider, subject).
        if self.find(identity.provider, identity.subject) is not None:
            raise IdentityAlreadyLinked()
        insert(tables, "identities", identity.id, identity)

    def find(self, provider: str, subject: str) -> Identity | None:
        found = (
            identity
            for identity in self._tables().identities.values()
            if (identity.provider, identity.subject) == (provider, subject)
        )
        return copy_of(next(found, None))

    def get(self, user_id: uuid.UUID, identity_id: uuid.UUID) -> Identity | None:
        identity = self._tables().identities.get(identity_id)
        return copy_of(identity) if identity is not None and identity.user_id == user_id else None

    def list_for_user(self, user_id: uuid.UUID) -> list[Identity]:
        mine = [i for i in self._tables().identities.values() if i.user_id == user_id]
        mine.sort(key=lambda identity: (identity.linked_at, identity.id))
        return [replace(identity) for identity in mine]

    def count_for_user(self, user_id: uuid.UUID) -> int:
        return sum(i.user_id == user_id for i in self._tables().identities.values())

    def delete(self, user_id: uuid.UUID, identity_id: uuid.UUID) -> bool:
        tables = self._tables()
        identity = tables.identities.get(identity_id)
        if identity is None or identity.user_id != user_id:
            return False
        delete(tables, "identities", identity_id)
        return True


class MemoryOidcFlowRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, flow: OidcFlow) -> None:
        insert(self._tables(), "oidc_flows", flow.state_hash, flow)

    def find(self, state_hash: str) -> OidcFlow | None:
        return copy_of(self._tables().oidc_flows.get(state_hash))

    def spend(self, state_hash: str, now: datetime) -> bool:
        return stamp(self._tables(), "oidc_flows", [state_hash], "spent_at", now) == 1

    def delete_expired(self, now: datetime) -> None:
        tables = self._tables()
        for key in [k for k, flow in tables.oidc_flows.items() if flow.expires_at <= now]:
            delete(tables, "oidc_flows", key)


class MemoryLoginCodeRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, code: LoginCode) -> None:
        insert(self._tables(), "login_codes", code.code_hash, code)

    def find(self, code_hash: str) -> LoginCode | None:
        return copy_of(self._tables().login_codes.get(code_hash))

    def spend(self, code_hash: str, now: datetime) -> bool:
        return stamp(self._tables(), "login_codes", [code_hash], "spent_at", now) == 1

    def delete_expired(self, now: datetime) -> None:
        tables = self._tables()
        for key in [k for k, code in tables.login_codes.items() if code.expires_at <= now]:
            delete(tables, "login_codes", key)
