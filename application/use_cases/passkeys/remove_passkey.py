import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.ports.audit import AuditEventType
from application.ports.unit_of_work import UnitOfWork
from application.services.passkeys import AccountHolderCheck
from domain.credentials import ensure_a_credential_remains
from domain.errors import PasskeyNotFound
from domain.passkeys import Passkey
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class RemovePasskeyCommand:
    user_id: uuid.UUID
    passkey_id: uuid.UUID
    password: str | None = None
    """The current password: required when the account has one."""
    code: str | None = None
    """A code of the second factor: required instead when the account has no password and
    TOTP is on."""


@dataclass(frozen=True, kw_only=True)
class RemovePasskey:
    """Remove one of the caller's passkeys: it no longer signs in.

    Rules: the current password is required (400 `invalid_current_password`, counted toward the
    account's login throttle), or, for an account without a password whose second factor is on,
    a code of it (400 `invalid_mfa_code`). Another user's passkey, or none, is 404. An account
    keeps a way to sign in: the last passkey of an account without a password or a linked
    identity cannot be removed
    (409 `last_credential`). The current session is left as it is. Audited as
    `passkey_removed`, and the user gets a notice email.
    """

    uow: UnitOfWork
    holder: AccountHolderCheck
    templates: EmailTemplates
    audit: AuditTrail

    def execute(self, command: RemovePasskeyCommand) -> None:
        def remove(uow: UnitOfWork, user: User) -> Passkey:
            # The user is locked: two removals of an account's last passkeys wait for each other.
            passkey = uow.passkeys.get(user.id, command.passkey_id)
            if passkey is None:
                raise PasskeyNotFound()
            ensure_a_credential_remains(
                has_password=user.has_password,
                passkeys_left=uow.passkeys.count_for_user(user.id) - 1,
                identities_left=uow.identities.count_for_user(user.id),
            )
            uow.passkeys.delete(user.id, passkey.id)
            self.audit.record(
                uow,
                AuditEventType.PASSKEY_REMOVED,
                user_id=user.id,
                details={"passkey_id": str(passkey.id), "name": passkey.name},
            )
            uow.emit(self.templates.passkey_removed(user.email, user.username, passkey.name))
            return passkey

        self.holder.changing(
            self.uow,
            command.user_id,
            password=command.password,
            code=command.code,
            action="remove_passkey",
            change=remove,
        )
