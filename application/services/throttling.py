"""How logins and other guessable actions are throttled; the counting itself is an adapter's."""

import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import TooManyAttempts
from application.ports.audit import AuditEventType
from application.ports.metrics import NO_METRICS, Metrics
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
    passkey_challenges_per_ip: RateLimit
    """Passkey sign-in options (each stores a challenge) per client IP."""
    oidc_flows_per_ip: RateLimit
    """Provider sign-ins started (each stores a flow) per client IP."""


THROTTLE_LIMITS = (
    "ip",
    "account",
    "password_reset_ip",
    "password_reset_email",
    "registration_ip",
    "verification_email",
)
"""The names by which a refused attempt is counted: the limit that refused it."""


def account_key(user_id: object | None, login_name: str) -> str:
    """One key per account whatever name it is called by.

    An unknown name is counted in the form the lookup read it in (see `login.lookup_form`): a
    form that names no account must be a key of its own, or a lock would tell which names exist.
    """
    return f"user:{user_id}" if user_id is not None else f"name:{login_name}"


def user_account(user_id: object) -> str:
    """The key of a known account: the one its logins are counted under too."""
    return account_key(user_id, "")


class LoginLocked(TooManyAttempts):
    """A login or password check refused by its IP's or its account's limit.

    `first_in_window` is True for the first refusal of that key in the limit's window: the one
    worth storing in the audit trail (the others are logged only, since anyone can send them).
    """

    def __init__(
        self, retry_after_seconds: int, *, limit: str, locked_by: RateLimit, first_in_window: bool
    ) -> None:
        super().__init__(retry_after_seconds)
        self.details = {
            "limit": limit,
            "attempts": locked_by.amount,
            "window_seconds": locked_by.window_seconds,
        }
        self.first_in_window = first_in_window


@dataclass(frozen=True, kw_only=True)
class Throttle:
    """Logins, and the other actions someone could repeat to guess or to flood."""

    limiter: RateLimiter
    policy: ThrottlePolicy
    metrics: Metrics = NO_METRICS
    """Counts each refused attempt by the limit that refused it."""

    def before_attempt(self, account: str, ip: str | None) -> None:
        """Reserve one attempt for this IP and this account, or raise LoginLocked.

        Call it before checking the password. The reservation is atomic in the limiter, so
        concurrent attempts cannot all pass a count that none of them has raised yet; it counts
        as a failure until `succeeded` clears the account's count.
        """
        if ip is not None:
            self._reserve("ip", self.policy.login_attempts_per_ip, f"login-ip:{ip}")
        self._reserve("account", self.policy.account_failures, account)

    def succeeded(self, account: str) -> None:
        self.limiter.clear(self.policy.account_failures, account)
        # A lock after this success is a new one, worth its own audit row.
        self.limiter.clear(_once_per(self.policy.account_failures), f"locked:{account}")

    def _reserve(self, limit_name: str, limit: RateLimit, key: str) -> None:
        try:
            self.limiter.hit(limit, key)
        except TooManyAttempts as refused:
            self.metrics.attempt_throttled(limit_name)
            try:
                self.limiter.hit(_once_per(limit), f"locked:{key}")
                first_in_window = True
            except TooManyAttempts:
                first_in_window = False
            raise LoginLocked(
                refused.retry_after_seconds,
                limit=limit_name,
                locked_by=limit,
                first_in_window=first_in_window,
            ) from None

    def before_sign_in_attempt(
        self, account: str, ip: str | None, *, audit: AuditTrail, user_id: uuid.UUID | None
    ) -> None:
        """`before_attempt` for a sign-in (a password, or the second factor after it), with a lock
        in the audit trail as `login_throttled`: stored once per lock, since anyone can repeat a
        refused attempt; each further refusal is a log line only."""
        try:
            self.before_attempt(account, ip)
        except LoginLocked as locked:
            record = audit.record_alone if locked.first_in_window else audit.log_only
            record(AuditEventType.LOGIN_THROTTLED, user_id=user_id, details=locked.details)
            raise

    def password_reset_requested(self, email: str, ip: str | None) -> None:
        if ip is not None:
            self._hit("password_reset_ip", self.policy.password_resets_per_ip, f"reset-ip:{ip}")
        self._hit(
            "password_reset_email", self.policy.password_resets_per_email, f"reset-email:{email}"
        )

    def registration(self, ip: str | None) -> None:
        if ip is not None:
            self._hit("registration_ip", self.policy.registrations_per_ip, f"register-ip:{ip}")

    def passkey_challenge(self, ip: str | None) -> None:
        """Anyone may ask for sign-in options, and each stores a challenge: a limit per IP."""
        if ip is not None:
            self.limiter.hit(self.policy.passkey_challenges_per_ip, f"passkey-challenge-ip:{ip}")

    def oidc_flow(self, ip: str | None) -> None:
        """Anyone may start a provider sign-in, and each stores a flow: a limit per IP."""
        if ip is not None:
            self.limiter.hit(self.policy.oidc_flows_per_ip, f"oidc-flow-ip:{ip}")

    def verification_email(self, user_id: object) -> None:
        self._hit(
            "verification_email",
            self.policy.verification_emails_per_user,
            f"verify-user:{user_id}",
        )

    def _hit(self, limit_name: str, limit: RateLimit, key: str) -> None:
        try:
            self.limiter.hit(limit, key)
        except TooManyAttempts:
            self.metrics.attempt_throttled(limit_name)
            raise


def _once_per(limit: RateLimit) -> RateLimit:
    return RateLimit(1, limit.window_seconds)
