"""Who may run an admin use case: an admin, or the operator at the command line. Always named."""

import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from domain.permissions import ensure_admin
from domain.users import User


@dataclass(frozen=True)
class Operator:
    """Whoever runs `tessera users …`: trusted, because they hold the database itself.

    Never implied: an admin use case is always told who acts, so a caller that forgot to pass the
    user gets an error, not the operator's rights.
    """


OPERATOR = Operator()

Actor = User | Operator


def authorize_admin(actor: Actor, audit: AuditTrail) -> None:
    """Let an admin or the operator through; refuse anyone else, in the audit trail too."""
    if isinstance(actor, Operator):
        return
    if not isinstance(actor, User):
        raise TypeError(
            f"an admin use case needs its actor (a User or the Operator), not {actor!r}"
        )
    with audit.refusals(actor.id):
        ensure_admin(actor)


def actor_id(actor: Actor) -> uuid.UUID | None:
    """The acting user's id, for the audit trail; None for the operator."""
    return actor.id if isinstance(actor, User) else None
