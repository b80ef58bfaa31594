import uuid
from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWork
from domain.identities import Identity


@dataclass(frozen=True, kw_only=True)
class ListIdentitiesQuery:
    user_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ListIdentities:
    """The caller's linked identities (provider, the email it gave, when it was linked), oldest
    first."""

    uow: UnitOfWork

    def execute(self, query: ListIdentitiesQuery) -> list[Identity]:
        with self.uow.read_only() as uow:
            return uow.identities.list_for_user(query.user_id)
