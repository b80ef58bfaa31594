"""Fast fakes for the ports the memory adapter does not cover: no real hashing cost, a settable clock."""

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta

from application.errors import InvalidToken, TooManyAttempts
from application.ports.audit import AuditEvent
from application.ports.email import EmailMessage
from application.ports.throttle import RateLimit
from application.ports.tokens import AccessTokenClaims, IssuedAccessToken
from domain.users import User


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class FakePasswordHasher:
    """Hashes are `fake$<params>$<password>`; `params` changes to simulate new Argon2 parameters."""

    def __init__(self, params: str = "v1") -> None:
        self.params = params
        self.verified_hashes: list[str] = []

    @property
    def dummy_hash(self) -> str:
        return f"fake${self.params}$\x00dummy"

    def hash(self, password: str) -> str:
        return f"fake${self.params}${password}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified_hashes.append(password_hash)
        parts = password_hash.split("$", 2)
        return len(parts) == 3 and parts[0] == "fake" and parts[2] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"fake${self.params}$")


class FakeAccessTokens:
    """Tokens are readable `user:session:version:role` strings: the JWT adapter has its own tests."""

    expires_in = 900

    def issue(self, user: User, session_id: uuid.UUID) -> IssuedAccessToken:
        token = f"{user.id}:{session_id}:{user.token_version}:{user.role.value}"
        return IssuedAccessToken(token=token, expires_in=self.expires_in)

    def verify(self, token: str) -> AccessTokenClaims:
        try:
            user_id, session_id, version, role = token.split(":")
            return AccessTokenClaims(
                user_id=uuid.UUID(user_id),
                session_id=uuid.UUID(session_id),
                token_version=int(version),
                role=role,
                token_id=token,
            )
        except ValueError:
            raise InvalidToken() from None


class RecordingEmailSender:
    """Keeps every message 'sent', so tests can read the links out of them."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    def last_token(self, to: str | None = None) -> str:
        """The `token=` value of the newest message (to `to`, when given)."""
        for message in reversed(self.sent):
            if to is None or message.to == to:
                match = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", message.body)
                if match:
                    return match.group(1)
        raise AssertionError("no message with a token was sent")


class RecordingSecurityLog:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def write(self, event: AuditEvent) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [event.event_type.value for event in self.events]


class CountingRateLimiter:
    """A plain in-memory limiter with a fixed window that never slides: enough for use-case tests."""

    def __init__(self) -> None:
        self.hits: dict[tuple[RateLimit, str], int] = {}

    def hit(self, limit: RateLimit, key: str) -> None:
        self.check(limit, key)
        self.hits[limit, key] = self.hits.get((limit, key), 0) + 1

    def check(self, limit: RateLimit, key: str) -> None:
        if self.hits.get((limit, key), 0) >= limit.amount:
            raise TooManyAttempts(limit.window_seconds)

    def clear(self, limit: RateLimit, key: str) -> None:
        self.hits.pop((limit, key), None)


class FakeTotp:
    """A readable stand-in for RFC 6238: each step's code comes from a hash of the secret and the
    step, so a FakeClock decides which codes are current (pyotp has its own tests)."""

    step_seconds = 30

    def __init__(self) -> None:
        self.issued = 0

    def new_secret(self) -> str:
        self.issued += 1
        return f"FAKESECRET{self.issued:06d}"

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        return f"otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}"

    def step_at(self, at: datetime) -> int:
        return int(at.timestamp()) // self.step_seconds

    def code(self, secret: str, step: int) -> str:
        digest = hashlib.sha256(f"{secret}:{step}".encode()).hexdigest()
        return f"{int(digest, 16) % 1_000_000:06d}"

    def code_at(self, secret: str, at: datetime) -> str:
        return self.code(secret, self.step_at(at))

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        now = self.step_at(at)
        return next(
            (step for step in (now - 1, now, now + 1) if self.code(secret, step) == code), None
        )
