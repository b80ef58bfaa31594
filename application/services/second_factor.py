"""A second factor as the use cases see it: which methods an account has, the second step of a
login (its mfa token), and checking a code: a TOTP code or a recovery code.

Shared by the password login (which asks for the second step) and the MFA use cases (which set
factors up, check codes, and complete the second step). A passkey is another method: its
assertion is checked by `PasskeyAssertions` (application/services/passkeys.py).
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from application.errors import MfaRequired
from application.ports.clock import Clock
from application.ports.secret_box import SecretBox, SecretUnreadable
from application.ports.totp import Totp
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token, new_secret_token
from domain.mfa import (
    RECOVERY_CODE_COUNT,
    MfaToken,
    RecoveryCode,
    SecondFactorMethod,
    TotpFactor,
)
from domain.users import User

logger = logging.getLogger(__name__)

RECOVERY_CODE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
"""Crockford's base32: no i, l, o or u, so that a code read aloud or off paper is not misread."""
RECOVERY_CODE_CHARACTERS = 12
"""60 random bits per code, shown as xxxx-xxxx-xxxx."""
_RECOVERY_CODE = re.compile(f"[{RECOVERY_CODE_ALPHABET}]{{{RECOVERY_CODE_CHARACTERS}}}")
_TOTP_CODE = re.compile(r"[0-9]{6}")
_MISREAD = str.maketrans({"o": "0", "i": "1", "l": "1", "-": None, " ": None})


def new_recovery_code() -> str:
    characters = "".join(
        secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_CHARACTERS)
    )
    return "-".join(characters[start : start + 4] for start in range(0, len(characters), 4))


def normalize_recovery_code(code: str) -> str:
    """The code as it is hashed: lower case, without dashes or spaces, misread letters fixed."""
    return code.strip().lower().translate(_MISREAD)


def hash_recovery_code(code: str) -> str:
    """SHA-256 suffices: a code is 60 random bits, nothing a slow hash would protect further."""
    return hashlib.sha256(normalize_recovery_code(code).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class NewTotp:
    secret: str
    sealed_secret: str


@dataclass(frozen=True, kw_only=True)
class SecondFactors:
    totp: Totp
    secret_box: SecretBox
    clock: Clock

    def methods(self, uow: UnitOfWork, user: User) -> list[SecondFactorMethod]:
        """What may complete the user's login, as `mfa_required` lists them."""
        if not user.mfa_enabled:
            return []
        methods = [SecondFactorMethod.TOTP]
        if uow.recovery_codes.count_unused(user.id) > 0:
            methods.append(SecondFactorMethod.RECOVERY_CODE)
        if uow.passkeys.count_for_user(user.id) > 0:
            methods.append(SecondFactorMethod.PASSKEY)
        return methods

    def second_step(self, uow: UnitOfWork, user: User) -> MfaRequired:
        """Record a new second step for this login in `uow` (the caller commits) and return the
        error that hands its token out. Older pending steps are left to expire on their own."""
        token = new_secret_token()
        now = self.clock.now()
        uow.mfa_tokens.delete_expired(user.id, now)
        uow.mfa_tokens.add(
            MfaToken.issue(
                token_hash=hash_secret_token(token),
                user_id=user.id,
                token_version=user.token_version,
                now=now,
            )
        )
        return MfaRequired(token, [method.value for method in self.methods(uow, user)])

    def new_totp(self, user: User) -> NewTotp:
        secret = self.totp.new_secret()
        return NewTotp(
            secret=secret, sealed_secret=self.secret_box.seal(secret, context=_owner(user))
        )

    def totp_step(self, user: User, factor: TotpFactor, code: str, at: datetime) -> int | None:
        """The step `code` is for, if it is a code of the user's authenticator not used yet."""
        try:
            secret = self.secret_box.open(factor.sealed_secret, context=_owner(user))
        except SecretUnreadable as unreadable:
            # Not the user's doing: MFA_ENCRYPTION_KEY (or SECRET_KEY, if it is derived from it)
            # changed. Until it is restored, or an admin resets the factor, no code can match.
            logger.error("the TOTP secret of user %s cannot be opened: %s", user.id, unreadable)
            return None
        step = self.totp.matching_step(secret, code, at)
        return step if step is not None and factor.accepts_step(step) else None

    def check_code(self, uow: UnitOfWork, user: User, code: str) -> SecondFactorMethod | None:
        """Accept a code of the user's second factor, in `uow` (a writing one; the caller commits):
        a TOTP code of a step not used yet (the step is then used), or an unused recovery code
        (then spent). None for anything else, a replay included."""
        if not user.mfa_enabled:
            return None
        if _TOTP_CODE.fullmatch(code.replace(" ", "")):
            factor = uow.totp_factors.get_for_update(user.id)
            if factor is None or not factor.is_confirmed:
                return None
            step = self.totp_step(user, factor, code, self.clock.now())
            if step is None:
                return None
            factor.use_step(step)
            uow.totp_factors.update(factor)
            return SecondFactorMethod.TOTP
        if _RECOVERY_CODE.fullmatch(normalize_recovery_code(code)) and uow.recovery_codes.use(
            user.id, hash_recovery_code(code), self.clock.now()
        ):
            return SecondFactorMethod.RECOVERY_CODE
        return None

    def new_recovery_codes(self, uow: UnitOfWork, user: User) -> list[str]:
        """Ten new codes for the user, in `uow`; every earlier one stops working. Returned once,
        to be shown once: only their hashes are kept."""
        codes: list[str] = []
        while len(codes) < RECOVERY_CODE_COUNT:
            code = new_recovery_code()
            if code not in codes:
                codes.append(code)
        now = self.clock.now()
        uow.recovery_codes.replace(
            user.id,
            [
                RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(code), created_at=now)
                for code in codes
            ],
        )
        return codes

    def turn_off_totp(self, uow: UnitOfWork, user: User) -> None:
        """Remove the authenticator (pending or confirmed) and the recovery codes, in `uow`;
        `user` (locked by the caller) is stored with its second factor off."""
        uow.totp_factors.delete(user.id)
        uow.recovery_codes.delete_for_user(user.id)
        user.disable_mfa(self.clock.now())
        uow.users.update(user)


def _owner(user: User) -> str:
    """What a sealed secret is bound to: a secret copied to another user's row does not open."""
    return str(user.id)
