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


@dataclass(frozen=True, kw_only=True)
class AdminGate:
    """Who may run an admin use case: an admin, or the operator at the command line.

    With `second_factor_required` (MFA_REQUIRED_FOR_ADMINS), an admin without a second factor is
    refused too (403 `mfa_enrollment_required`) until they set one up; the operator never is.
    Every refusal is in the audit trail.
    """

    audit: AuditTrail
    second_factor_required: bool

    def authorize(self, actor: Actor) -> None:
        if isinstance(actor, Operator):
            return
        if not isinstance(actor, User):
            raise TypeError(
                f"an admin use case needs its actor (a User or the Operator), not {actor!r}"
            )
        with self.audit.refusals(actor.id):
            ensure_admin(actor, second_factor_required=self.second_factor_required)


def actor_id(actor: Actor) -> uuid.UUID | None:
    """The acting user's id, for the audit trail; None for the operator."""
    return actor.id if isinstance(actor, User) else None
