"""Fast fakes for the ports the memory adapter does not cover: no real hashing cost, a settable clock."""

import hashlib
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from application.errors import InvalidToken, TooManyAttempts
from application.ports.audit import AuditEvent
from application.ports.email import EmailMessage
from application.ports.identity_provider import ProviderStepFailed, VerifiedClaims
from application.ports.passkeys import (
    Credential,
    CredentialClaims,
    KnownCredential,
    NewCredential,
    Options,
    PasskeyOwner,
    PasskeyRejected,
)
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


class FakePasskeys:
    """The PasskeyCeremonies port with a stand-in for the cryptography (py_webauthn has its own
    tests, and the adapter's meet a real signing authenticator): options and credentials are
    small readable dicts, and the fake is the authenticator too.

    A credential made by `create` or `get` says what a real one would prove: which challenge it
    answers, whether it was made at the right origin and RP ID (`genuine`), with the user
    verified, and by which key; `verify_*` refuses it as the adapter would, except the counter,
    which is the domain's rule (the fake reports it and lets the use cases judge it).
    """

    def __init__(self) -> None:
        self.keys: dict[bytes, bytes] = {}
        """Credential id -> public key, for every credential the fake authenticator made."""
        self.counters: dict[bytes, int] = {}
        self.handles: dict[bytes, bytes] = {}

    # --- the port -------------------------------------------------------------------------

    def registration_options(
        self, owner: PasskeyOwner, challenge: bytes, exclude: Sequence[KnownCredential]
    ) -> Options:
        return {
            "challenge": challenge.hex(),
            "user": {
                "id": owner.handle.hex(),
                "name": owner.name,
                "displayName": owner.display_name,
            },
            "excludeCredentials": [known.credential_id.hex() for known in exclude],
        }

    def authentication_options(self, challenge: bytes) -> Options:
        return {"challenge": challenge.hex(), "allowCredentials": []}

    def claims_of(self, credential: Credential) -> CredentialClaims:
        try:
            handle = credential.get("user_handle")
            return CredentialClaims(
                challenge=bytes.fromhex(credential["challenge"]),
                credential_id=bytes.fromhex(credential["credential_id"]),
                user_handle=bytes.fromhex(handle) if handle is not None else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise PasskeyRejected(f"malformed: {error!r}") from None

    def verify_registration(self, credential: Credential, challenge: bytes) -> NewCredential:
        self._check(credential, "create", challenge, require_user_verification=True)
        credential_id = bytes.fromhex(credential["credential_id"])
        return NewCredential(
            credential_id=credential_id,
            public_key=self.keys[credential_id],
            sign_count=0,
            transports=("internal",),
        )

    def verify_authentication(
        self,
        credential: Credential,
        challenge: bytes,
        *,
        public_key: bytes,
        sign_count: int,
        require_user_verification: bool,
    ) -> int:
        self._check(credential, "get", challenge, require_user_verification)
        if bytes.fromhex(credential["signed_by"]) != public_key:
            raise PasskeyRejected("signed by another key")
        reported: int = credential["sign_count"]
        return reported

    def _check(
        self, credential: Credential, kind: str, challenge: bytes, require_user_verification: bool
    ) -> None:
        if credential.get("kind") != kind or bytes.fromhex(credential["challenge"]) != challenge:
            raise PasskeyRejected("another ceremony or challenge")
        if not credential["genuine"]:
            raise PasskeyRejected("another origin or RP ID")
        if require_user_verification and not credential["user_verified"]:
            raise PasskeyRejected("user not verified")

    # --- the authenticator ----------------------------------------------------------------

    def create(
        self, options: Options, *, genuine: bool = True, user_verified: bool = True
    ) -> dict[str, Any]:
        credential_id = uuid.uuid4().bytes
        self.keys[credential_id] = b"public key " + uuid.uuid4().bytes
        self.counters[credential_id] = 0
        self.handles[credential_id] = bytes.fromhex(options["user"]["id"])
        return {
            "kind": "create",
            "challenge": options["challenge"],
            "credential_id": credential_id.hex(),
            "genuine": genuine,
            "user_verified": user_verified,
        }

    def get(
        self,
        options: Options,
        credential_id: bytes,
        *,
        genuine: bool = True,
        user_verified: bool = True,
        sign_count: int | None = None,
        user_handle: bytes | None = None,
        signed_by: bytes | None = None,
    ) -> dict[str, Any]:
        if sign_count is None:
            self.counters[credential_id] += 1
            sign_count = self.counters[credential_id]
        return {
            "kind": "get",
            "challenge": options["challenge"],
            "credential_id": credential_id.hex(),
            "user_handle": (user_handle or self.handles[credential_id]).hex(),
            "signed_by": (signed_by or self.keys[credential_id]).hex(),
            "sign_count": sign_count,
            "genuine": genuine,
            "user_verified": user_verified,
        }


class FakeIdentityProvider:
    """An OpenID Connect provider as the port sees it: `approve` plays the person signing in at
    the provider and returns the code; the code is verified against the flow's verifier and
    nonce, as the real adapter's provider and ID token checks would."""

    def __init__(self, name: str = "corp", display_name: str = "Corp ID") -> None:
        self.name = name
        self.display_name = display_name
        self.requests: list[dict[str, str]] = []
        self._codes: dict[str, tuple[str, str, VerifiedClaims]] = {}

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        self.requests.append({"state": state, "nonce": nonce, "code_verifier": code_verifier})
        return f"https://id.example/authorize?state={state}"

    def approve(self, claims: VerifiedClaims, request: int = -1) -> tuple[str, str]:
        """The person signs in: (the state and the code) the provider sends back."""
        asked = self.requests[request]
        code = f"code-{len(self._codes)}"
        self._codes[code] = (asked["code_verifier"], asked["nonce"], claims)
        return asked["state"], code

    def verified_claims(self, *, code: str, code_verifier: str, nonce: str) -> VerifiedClaims:
        if code not in self._codes:
            raise ProviderStepFailed("unknown code")
        verifier, expected_nonce, claims = self._codes.pop(code)
        if (verifier, expected_nonce) != (code_verifier, nonce):
            raise ProviderStepFailed("verifier or nonce of another flow")
        return claims


class FakeIdentityProviders:
    def __init__(self, *providers: FakeIdentityProvider) -> None:
        self._providers = {provider.name: provider for provider in providers}

    def get(self, name: str) -> FakeIdentityProvider | None:
        return self._providers.get(name)

    def all(self) -> list[FakeIdentityProvider]:
        return list(self._providers.values())
