"""Passkeys as the use cases share them: the challenges of the ceremonies, checking an
assertion (a passwordless sign-in, or the second factor after a password), and asking the
account holder again before a way to sign in is added or removed.

Shared by the passkeys feature (register, list, remove, sign in) and the mfa feature (a passkey
completes the second step of a login; an admin's reset removes them).
"""

import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from application.audit import AuditTrail
from application.errors import InvalidCurrentPassword, InvalidMfaCode
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.passkeys import (
    Credential,
    CredentialClaims,
    PasskeyCeremonies,
    PasskeyOwner,
    PasskeyRejected,
)
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.services.password_check import load_after_password_check
from application.services.second_factor import SecondFactors
from application.services.throttling import Throttle, user_account
from domain.errors import UserNotFound
from domain.passkeys import ChallengePurpose, Passkey, WebAuthnChallenge
from domain.users import User

logger = logging.getLogger(__name__)

T = TypeVar("T")

CHALLENGE_BYTES = 32
"""256 bits from the OS CSPRNG (WebAuthn asks for at least 16 bytes)."""


def hash_challenge(challenge: bytes) -> str:
    """SHA-256: the challenge is 256 random bits, nothing a slow hash would protect further."""
    return hashlib.sha256(challenge).hexdigest()


def user_handle(user_id: uuid.UUID) -> bytes:
    """WebAuthn's user.id for an account: its id's 16 bytes (no personal data, as asked)."""
    return user_id.bytes


def passkey_owner(user: User) -> PasskeyOwner:
    return PasskeyOwner(
        handle=user_handle(user.id),
        name=user.username,
        display_name=user.full_name or user.username,
    )


@dataclass(frozen=True, kw_only=True)
class PasskeyAssertions:
    """The challenges of the ceremonies, and checking what answers them."""

    ceremonies: PasskeyCeremonies
    clock: Clock

    def issue_challenge(
        self, uow: UnitOfWork, purpose: ChallengePurpose, user_id: uuid.UUID | None
    ) -> bytes:
        """Record a new challenge in `uow` (the caller commits) and return it, for the options.
        Expired challenges are forgotten on the way: they can only be refused anyway."""
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        now = self.clock.now()
        uow.webauthn_challenges.delete_expired(now)
        uow.webauthn_challenges.add(
            WebAuthnChallenge.issue(
                challenge_hash=hash_challenge(challenge),
                purpose=purpose,
                user_id=user_id,
                now=now,
            )
        )
        return challenge

    def claims_of(self, credential: Credential) -> CredentialClaims:
        """What the credential says it answers (PasskeyRejected when it is malformed)."""
        return self.ceremonies.claims_of(credential)

    def take_challenge(
        self,
        uow: UnitOfWork,
        claims: CredentialClaims,
        purpose: ChallengePurpose,
        user_id: uuid.UUID | None = None,
    ) -> WebAuthnChallenge:
        """Spend the challenge the credential answers, in `uow` (the caller commits, before it
        checks the credential: a challenge is spent by its first answer, right or wrong).

        PasskeyRejected for a challenge that is unknown, spent, expired, of another purpose, or
        (when `user_id` is given) bound to another account.
        """
        now = self.clock.now()
        challenge = uow.webauthn_challenges.find(hash_challenge(claims.challenge))
        if challenge is None or not challenge.is_usable(now) or challenge.purpose is not purpose:
            raise PasskeyRejected("no such challenge, or spent, expired, of another purpose")
        if user_id is not None and not challenge.allows(purpose, user_id):
            raise PasskeyRejected("a challenge of another account")
        if not uow.webauthn_challenges.spend(challenge.challenge_hash, now):
            raise PasskeyRejected("the challenge was spent by a concurrent answer")
        return challenge

    def check_assertion(
        self,
        uow: UnitOfWork,
        credential: Credential,
        claims: CredentialClaims,
        challenge: WebAuthnChallenge,
        *,
        user: User,
        require_user_verification: bool,
    ) -> Passkey:
        """Accept an assertion by one of `user`'s passkeys, in `uow` (a writing one, the user
        already locked; the caller commits): the passkey's counter and last use are recorded.

        PasskeyRejected for a credential of another account or none, a challenge bound to
        another account, an account handle that is not the user's, a signature that does not
        verify (origin, RP ID, key, user verification), or a counter that moved back.
        """
        passkey = uow.passkeys.get_by_credential_id_for_update(claims.credential_id)
        if passkey is None or passkey.user_id != user.id:
            raise PasskeyRejected("no passkey of this account has this credential id")
        if not challenge.allows(ChallengePurpose.AUTHENTICATION, user.id):
            raise PasskeyRejected("a challenge of another account")
        if claims.user_handle is not None and claims.user_handle != user_handle(user.id):
            raise PasskeyRejected("the authenticator names another account")
        sign_count = self.ceremonies.verify_authentication(
            credential,
            claims.challenge,
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
            require_user_verification=require_user_verification,
        )
        if not passkey.accepts_sign_count(sign_count):
            raise PasskeyRejected(
                f"the signature counter moved back ({sign_count} after {passkey.sign_count})"
            )
        passkey.use(sign_count, self.clock.now())
        uow.passkeys.update(passkey)
        return passkey


@dataclass(frozen=True, kw_only=True)
class AccountHolderCheck:
    """Adding or removing a passkey asks the account holder again, beyond the bearer token.

    The password, for an account that has one (a wrong or missing one is 400
    `invalid_current_password`); for an account without a password but with TOTP on, a code of
    the second factor (400 `invalid_mfa_code`, audited as `mfa_failed`); an account with
    neither has nothing more to ask. Wrong answers count toward the account's login throttle.
    """

    hasher: PasswordHasher
    throttle: Throttle
    factors: SecondFactors
    audit: AuditTrail

    def changing(
        self,
        uow: UnitOfWork,
        user_id: uuid.UUID,
        *,
        password: str | None,
        code: str | None,
        action: str,
        change: Callable[[UnitOfWork, User], T],
    ) -> T:
        """Check the account holder, then run `change` with the user locked in one unit of
        work, which commits after it. `action` names the change in an `mfa_failed` event."""
        with uow.read_only():
            user = uow.users.get(user_id)
        if user is None:
            raise UserNotFound()
        account = user_account(user.id)
        code_needed = not user.has_password and user.mfa_enabled
        if user.has_password:
            # The slow verify runs outside any transaction.
            user = load_after_password_check(
                uow, self.hasher, self.throttle, user.id, password or ""
            )
        elif code_needed:
            self.throttle.before_attempt(account, None)
        code_accepted = False
        try:
            with uow:
                current = uow.users.get_for_update(user.id)
                if current is None or (current.password_hash, current.has_password) != (
                    user.password_hash,
                    user.has_password,
                ):
                    raise InvalidCurrentPassword()  # changed meanwhile by another request
                if code_needed:
                    if code is None or self.factors.check_code(uow, current, code) is None:
                        raise InvalidMfaCode()
                    code_accepted = True
                result = change(uow, current)
                uow.commit()
        except InvalidMfaCode:
            self.audit.record_alone(
                AuditEventType.MFA_FAILED, user_id=user.id, details={"while": action}
            )
            raise
        finally:
            if code_accepted:
                self.throttle.succeeded(account)
        return result
