import uuid
from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWork
from domain.passkeys import Passkey


@dataclass(frozen=True, kw_only=True)
class ListPasskeysQuery:
    user_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ListPasskeys:
    """The caller's passkeys, newest first: their names, when they were added and last used."""

    uow: UnitOfWork

    def execute(self, query: ListPasskeysQuery) -> list[Passkey]:
        with self.uow.read_only() as uow:
            return uow.passkeys.list_for_user(query.user_id)
