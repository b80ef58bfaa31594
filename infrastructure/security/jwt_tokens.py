"""The AccessTokenService port with PyJWT: one pinned algorithm, strict claims, no key fetching.

Keys rotate without logging anyone out: one key signs, and it and the previous ones verify, each
chosen by the `kid` in the token's header. A token without a `kid`, or with one that names no key
held, is refused.
"""

import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jwt

from application.errors import InvalidToken
from application.ports.clock import Clock
from application.ports.tokens import AccessTokenClaims, IssuedAccessToken
from domain.users import Role, User
from infrastructure.security.jwt_keys import (
    SigningKey,
    VerificationKey,
    check_key_pair,
    check_verification_key,
    key_id,
    load_signing_keys,
    public_jwk,
)

__all__ = ["ACCESS_TYP", "MAX_TOKEN_LENGTH", "JwtAccessTokenService", "load_signing_keys"]

ACCESS_TYP = "access"
MAX_TOKEN_LENGTH = 8192
"""Our tokens are well under 1 KB; anything near this is not ours and is not worth parsing."""

# Compact JWS: three base64url segments without padding (RFC 7515 §2). PyJWT also accepts "=" padding,
# which would give one token several spellings; this refuses them, and whitespace and junk, up front.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

# Only these header parameters are ever ours; jwk/jku/x5u/x5c/x5t, crit, b64 and the rest are refused.
_ALLOWED_HEADERS = frozenset({"alg", "typ", "kid"})
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti"]
_ROLES = frozenset(role.value for role in Role)

VERIFIED_TOKEN_CACHE_SIZE = 4096
"""Recently verified tokens remembered per process: a client sends the same token for minutes."""


@dataclass(frozen=True, slots=True)
class _Verified:
    """What a token's signature and contents prove, whatever the time: checked once per token."""

    claims: AccessTokenClaims
    issued_at: int
    not_before: int | None
    expires_at: int


class JwtAccessTokenService:
    """Issues and verifies access tokens; `verify` raises only InvalidToken."""

    def __init__(
        self,
        *,
        algorithm: str,
        signing_key: SigningKey | str,
        verification_key: VerificationKey | str,
        issuer: str,
        audience: str,
        lifetime: timedelta,
        clock: Clock,
        previous_verification_keys: Sequence[VerificationKey | str] = (),
    ) -> None:
        """`previous_verification_keys`: keys that signed before the current one, still
        accepted (for a rotation: the tokens they signed live at most `lifetime`)."""
        self._signing_key, self._verification_key = check_key_pair(
            algorithm, signing_key, verification_key
        )
        if not issuer or not audience:
            raise ValueError("The JWT issuer and audience must not be empty.")
        self._lifetime_seconds = int(lifetime.total_seconds())
        if self._lifetime_seconds < 1:
            raise ValueError("The access token lifetime must be at least one second.")
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        # Every key that verifies, by kid: the current one first, then the previous ones.
        self._kid = key_id(algorithm, self._verification_key)
        self._keys: dict[str, VerificationKey] = {self._kid: self._verification_key}
        for previous in previous_verification_keys:
            key = check_verification_key(algorithm, previous)
            self._keys.setdefault(key_id(algorithm, key), key)
        self._jwks = [
            jwk for key in self._keys.values() if (jwk := public_jwk(algorithm, key)) is not None
        ]
        # Our own PyJWT instance, so no global option elsewhere can loosen it.
        self._jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})
        # Decoding and checking a signature is most of the cost of an authenticated request, and
        # its outcome never changes for a given token and key: keep the recent ones. Failures are
        # not cached (an exception is never stored), and time is checked on every use.
        self._verified = lru_cache(maxsize=VERIFIED_TOKEN_CACHE_SIZE)(self._verify_contents)

    def jwks(self) -> dict[str, Any]:
        """The JWK Set to publish: the current and previous public keys with their `kid`s, or no
        key at all for HS256."""
        return {"keys": [dict(jwk) for jwk in self._jwks]}

    def issue(self, user: User, session_id: uuid.UUID) -> IssuedAccessToken:
        issued_at = int(self._clock.now().timestamp())
        payload = {
            "sub": str(user.id),
            "iat": issued_at,
            "exp": issued_at + self._lifetime_seconds,
            "jti": secrets.token_urlsafe(16),
            "iss": self._issuer,
            "aud": self._audience,
            "typ": ACCESS_TYP,
            "role": user.role.value,
            "ver": user.token_version,
            "sid": str(session_id),
        }
        headers = {"kid": self._kid}
        token = self._jwt.encode(
            payload, self._signing_key, algorithm=self._algorithm, headers=headers
        )
        return IssuedAccessToken(token=token, expires_in=self._lifetime_seconds)

    def verify(self, token: str) -> AccessTokenClaims:
        try:
            return self._verify(token)
        # InvalidKeyError is a PyJWTError but not an InvalidTokenError; ValueError/TypeError/
        # OverflowError/RecursionError cover whatever malformed input reaches the standard library.
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError, RecursionError) as error:
            raise InvalidToken() from error

    def _verify(self, token: str) -> AccessTokenClaims:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise ValueError("token is not a string of sane length")
        verified = self._verified(token)
        now = self._clock.now().timestamp()
        if verified.expires_at <= now:
            raise ValueError("expired")
        if verified.issued_at > now or (
            verified.not_before is not None and verified.not_before > now
        ):
            raise ValueError("not valid yet")
        return verified.claims

    def _verify_contents(self, token: str) -> _Verified:
        if not _COMPACT_JWS.fullmatch(token):
            raise ValueError("token is not a compact JWS")
        key = self._key_for(jwt.get_unverified_header(token))
        claims = self._jwt.decode(
            token,
            key=key,
            algorithms=[self._algorithm],  # never taken from the token: RFC 8725 §3.1
            options={
                "require": _REQUIRED_CLAIMS,
                "strict_aud": True,
                # Times are checked below against the injected clock, the one `issue` used.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
            issuer=self._issuer,
            audience=self._audience,
            leeway=0,
        )
        return self._check_claims(claims)

    def _key_for(self, header: dict[str, Any]) -> VerificationKey:
        """The key the header names, if the header is one we could have written."""
        if not header.keys() <= _ALLOWED_HEADERS:
            raise ValueError("unexpected header parameter")
        if header.get("alg") != self._algorithm:
            raise ValueError("unexpected algorithm")
        if header.get("typ", "JWT") != "JWT":
            raise ValueError("unexpected header type")
        kid = header.get("kid")
        # Every token we issue names its key. Without a kid we would have to try each key held,
        # and the kid of a removed key must fail here, not fall back to another key.
        if not isinstance(kid, str) or kid not in self._keys:
            raise ValueError("unknown key id")
        return self._keys[kid]

    def _check_claims(self, claims: dict[str, Any]) -> _Verified:
        # PyJWT checked iss and aud already; exact equality again costs nothing and does not depend
        # on the library's matching rules (a substring match was once a PyJWT bug).
        if claims.get("iss") != self._issuer or claims.get("aud") != self._audience:
            raise ValueError("wrong issuer or audience")
        if claims.get("typ") != ACCESS_TYP:
            raise ValueError("not an access token")
        exp = _integer(claims, "exp")
        iat = _integer(claims, "iat")
        nbf = _integer(claims, "nbf") if "nbf" in claims else None
        if exp - iat > self._lifetime_seconds:
            raise ValueError("lifetime longer than we issue")
        ver = _integer(claims, "ver")
        if ver < 0:
            raise ValueError("negative token version")
        jti, role = claims.get("jti"), claims.get("role")
        if not isinstance(jti, str) or not jti or not isinstance(role, str) or role not in _ROLES:
            raise ValueError("bad jti or role")
        access_claims = AccessTokenClaims(
            user_id=_uuid(claims, "sub"),
            session_id=_uuid(claims, "sid"),
            token_version=ver,
            role=role,
            token_id=jti,
        )
        return _Verified(access_claims, issued_at=iat, not_before=nbf, expires_at=exp)


def _integer(claims: dict[str, Any], name: str) -> int:
    """A claim that must be a JSON integer: not a float, a string, or a bool (an int in Python)."""
    value = claims.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} is not an integer")
    return value


def _uuid(claims: dict[str, Any], name: str) -> uuid.UUID:
    """A claim that must be a UUID in the canonical form we write (not braces, URN, or no hyphens)."""
    value = claims.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a string")
    parsed = uuid.UUID(value)
    if str(parsed) != value:
        raise ValueError(f"{name} is not a canonical UUID")
    return parsed
