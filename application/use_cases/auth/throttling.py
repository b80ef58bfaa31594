"""How logins and other guessable actions are throttled; the counting itself is an adapter's."""

import contextlib
from dataclasses import dataclass

from application.errors import TooManyAttempts
from application.ports.throttle import RateLimit, RateLimiter


@dataclass(frozen=True)
class ThrottlePolicy:
    account_failures: RateLimit
    """Failed logins per account (LOGIN_MAX_FAILURES per LOGIN_FAILURE_WINDOW_SECONDS)."""
    login_attempts_per_ip: RateLimit
    """Login attempts per client IP (LOGIN_MAX_ATTEMPTS_PER_IP_PER_MINUTE)."""
    password_resets_per_email: RateLimit
    password_resets_per_ip: RateLimit
    registrations_per_ip: RateLimit
    verification_emails_per_user: RateLimit


def account_key(user_id: object | None, login_name: str) -> str:
    """One key per account whatever name it is called by; unknown names are counted as given."""
    return f"user:{user_id}" if user_id is not None else f"name:{login_name.strip().lower()}"


class Throttle:
    """Logins, and the other actions someone could repeat to guess or to flood."""

    def __init__(self, limiter: RateLimiter, policy: ThrottlePolicy) -> None:
        self._limiter = limiter
        self._policy = policy

    def before_attempt(self, account: str, ip: str | None) -> None:
        """Raise TooManyAttempts when this IP or this account may not try now."""
        if ip is not None:
            self._limiter.hit(self._policy.login_attempts_per_ip, f"login-ip:{ip}")
        self._limiter.check(self._policy.account_failures, account)

    def failed(self, account: str) -> None:
        # Already locked: the failure needs no further counting.
        with contextlib.suppress(TooManyAttempts):
            self._limiter.hit(self._policy.account_failures, account)

    def succeeded(self, account: str) -> None:
        self._limiter.clear(self._policy.account_failures, account)

    def password_reset_requested(self, email: str, ip: str | None) -> None:
        if ip is not None:
            self._limiter.hit(self._policy.password_resets_per_ip, f"reset-ip:{ip}")
        self._limiter.hit(self._policy.password_resets_per_email, f"reset-email:{email}")

    def registration(self, ip: str | None) -> None:
        if ip is not None:
            self._limiter.hit(self._policy.registrations_per_ip, f"register-ip:{ip}")

    def verification_email(self, user_id: object) -> None:
        self._limiter.hit(self._policy.verification_emails_per_user, f"verify-user:{user_id}")
