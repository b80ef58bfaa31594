import uuid
from dataclasses import dataclass

from application.ports.passkeys import KnownCredential, Options
from application.ports.unit_of_work import UnitOfWork
from application.services.passkeys import AccountHolderCheck, PasskeyAssertions, passkey_owner
from domain.passkeys import ChallengePurpose
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class BeginPasskeyRegistrationCommand:
    user_id: uuid.UUID
    password: str | None = None
    """The current password: required when the account has one."""
    code: str | None = None
    """A code of the second factor: required instead when the account has no password and
    TOTP is on."""


@dataclass(frozen=True, kw_only=True)
class BeginPasskeyRegistration:
    """Start adding a passkey: the options for `navigator.credentials.create()`.

    Rules: the current password is required (400 `invalid_current_password`; wrong ones count
    toward the account's login throttle), or, for an account without a password whose second
    factor is on, a code of it (400 `invalid_mfa_code`). The options carry a random challenge,
    valid once and for 5 minutes, for this account only; they ask for a discoverable credential
    with user verification (a passkey), and exclude the account's passkeys already registered.
    The relying party (its ID, name and origin) is the server's configuration.
    """

    uow: UnitOfWork
    holder: AccountHolderCheck
    passkeys: PasskeyAssertions

    def execute(self, command: BeginPasskeyRegistrationCommand) -> Options:
        def issue(uow: UnitOfWork, user: User) -> Options:
            challenge = self.passkeys.issue_challenge(uow, ChallengePurpose.REGISTRATION, user.id)
            known = [
                KnownCredential(credential_id=passkey.credential_id, transports=passkey.transports)
                for passkey in uow.passkeys.list_for_user(user.id)
            ]
            return self.passkeys.ceremonies.registration_options(
                passkey_owner(user), challenge, known
            )

        return self.holder.changing(
            self.uow,
            command.user_id,
            password=command.password,
            code=command.code,
            action="add_passkey",
            change=issue,
        )
