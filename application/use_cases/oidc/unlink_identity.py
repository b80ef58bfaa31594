import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.ports.audit import AuditEventType
from application.ports.unit_of_work import UnitOfWork
from domain.credentials import ensure_a_credential_remains
from domain.errors import IdentityNotFound


@dataclass(frozen=True, kw_only=True)
class UnlinkIdentityCommand:
    user_id: uuid.UUID
    identity_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class UnlinkIdentity:
    """Unlink one of the caller's identities: that provider account no longer signs in here.

    Rules: another user's identity, or none, is 404. An account keeps a way to sign in: the last
    identity of an account without a password and without a passkey cannot be unlinked (409
    `last_credential`). Audited as `identity_unlinked`.
    """

    uow: UnitOfWork
    audit: AuditTrail

    def execute(self, command: UnlinkIdentityCommand) -> None:
        with self.uow as uow:
            # The user is locked: two unlinks of an account's last identities wait for each other.
            user = uow.users.get_for_update(command.user_id)
            identity = None if user is None else uow.identities.get(user.id, command.identity_id)
            if user is None or identity is None:
                raise IdentityNotFound()
            ensure_a_credential_remains(
                has_password=user.has_password,
                passkeys_left=uow.passkeys.count_for_user(user.id),
                identities_left=uow.identities.count_for_user(user.id) - 1,
            )
            uow.identities.delete(user.id, identity.id)
            self.audit.record(
                uow,
                AuditEventType.IDENTITY_UNLINKED,
                user_id=user.id,
                details={"provider": identity.provider, "identity_id": str(identity.id)},
            )
            uow.commit()
