import uuid
from dataclasses import dataclass

from application.errors import InvalidCurrentPassword, MfaAlreadyEnabled
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.services.password_check import load_after_password_check
from application.services.second_factor import SecondFactors
from application.services.throttling import Throttle
from domain.mfa import TotpFactor


@dataclass(frozen=True, kw_only=True)
class SetUpTotpCommand:
    user_id: uuid.UUID
    password: str


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    """Base32, for typing into an authenticator app; shown this once, then kept only encrypted."""
    otpauth_uri: str
    """The same secret as an `otpauth://totp/…` URI, for a QR code."""


@dataclass(frozen=True, kw_only=True)
class SetUpTotp:
    """Start setting up an authenticator app: a new secret, pending until a code confirms it.

    Rules: the current password is required (wrong ones count toward the account's login
    throttle); an account whose second factor is already on must turn it off first (409
    `mfa_already_enabled`); a new setup replaces a pending one. Nothing changes for signing in
    until `POST /auth/mfa/totp/confirm`. The secret is shown only here: it is stored encrypted.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    throttle: Throttle
    factors: SecondFactors
    clock: Clock
    issuer: str
    """The name authenticator apps show next to the account."""

    def execute(self, command: SetUpTotpCommand) -> TotpSetup:
        user = load_after_password_check(
            self.uow, self.hasher, self.throttle, command.user_id, command.password
        )
        new = self.factors.new_totp(user)
        with self.uow as uow:
            current = uow.users.get_for_update(user.id)
            if current is None or current.password_hash != user.password_hash:
                raise InvalidCurrentPassword()  # changed meanwhile by another request
            if current.mfa_enabled:
                raise MfaAlreadyEnabled()
            factor = TotpFactor.pending(
                user_id=current.id, sealed_secret=new.sealed_secret, now=self.clock.now()
            )
            if uow.totp_factors.get_for_update(current.id) is None:
                uow.totp_factors.add(factor)
            else:
                uow.totp_factors.update(factor)
            uow.commit()
        uri = self.factors.totp.provisioning_uri(
            new.secret, account=current.username, issuer=self.issuer
        )
        return TotpSetup(secret=new.secret, otpauth_uri=uri)
