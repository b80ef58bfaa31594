"""Who may run an admin use case: an admin, or the operator at the command line (no actor)."""

import uuid

from domain.permissions import ensure_admin
from domain.users import User


def authorize_admin(actor: User | None) -> None:
    """`None` is the operator of `tessera users …`, trusted because they hold the database itself."""
    if actor is not None:
        ensure_admin(actor)


def actor_id(actor: User | None) -> uuid.UUID | None:
    return actor.id if actor is not None else None
