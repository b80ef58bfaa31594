"""`PyotpTotp`: RFC 6238 time-based one-time passwords on `pyotp`."""

import hmac
import re
from datetime import datetime

import pyotp

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
"""Codes of one step before and after the current one are accepted (a clock a little off)."""

_CODE = re.compile(rf"[0-9]{{{DIGITS}}}")


class PyotpTotp:
    """Implements the Totp port: SHA-1, 6 digits, 30-second steps, ±1 step; 160-bit secrets."""

    def new_secret(self) -> str:
        # 32 base32 characters: 160 bits from the OS CSPRNG (pyotp uses secrets.SystemRandom).
        return pyotp.random_base32()

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        return self._totp(secret).provisioning_uri(name=account, issuer_name=issuer)

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        candidate = code.replace(" ", "")
        if not _CODE.fullmatch(candidate):
            return None
        totp = self._totp(secret)
        try:
            current = totp.timecode(at)
        except ValueError:  # before the epoch or after the year 9999
            return None
        # pyotp's verify_and_get_timecode does this too, but fails at the epoch's first step
        # (its step -1); each candidate is compared in constant time.
        steps = range(max(current - DRIFT_STEPS, 0), current + DRIFT_STEPS + 1)
        return next(
            (
                step
                for step in steps
                if hmac.compare_digest(candidate.encode(), totp.generate_otp(step).encode())
            ),
            None,
        )

    def _totp(self, secret: str) -> pyotp.TOTP:
        return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
