"""Keys for the access-token service: loading and checking them, and publishing the public one as a JWK."""

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

SUPPORTED_ALGORITHMS = ("HS256", "RS256", "EdDSA")

SigningKey = bytes | RSAPrivateKey | Ed25519PrivateKey
VerificationKey = bytes | RSAPublicKey | Ed25519PublicKey

HMAC_MIN_KEY_BYTES = 32
"""RFC 7518 §3.2 and RFC 8725 §3.5: an HS256 key has at least as many random bytes as the hash."""

RSA_MIN_KEY_BITS = 2048

# Secrets copied from tutorials and samples are the first ones an attacker tries offline. Short ones
# already fail the length rule; these are long enough to pass it.
_KNOWN_PUBLIC_SECRETS = frozenset(
    {
        "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",  # FastAPI docs
        "your-256-bit-secret-your-256-bit-secret",
        "change-me-change-me-change-me-change-me",
        "changeme-changeme-changeme-changeme",
        "secret-secret-secret-secret-secret-secret",
        "please-change-this-secret-key-in-production",
    }
)
_MIN_DISTINCT_SECRET_CHARACTERS = 8
"""A repeated word ("changemechangeme...") or one character is long but not random."""


HMAC_KEY_ID_LENGTH = 16
"""Hex digits of an HS256 key's `kid`: 64 bits, enough to tell a handful of keys apart."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def check_hmac_secret(secret: bytes) -> bytes:
    """Return `secret` if it may sign HS256 tokens; raise ValueError saying why not."""
    if len(secret) < HMAC_MIN_KEY_BYTES:
        raise ValueError(f"The JWT secret key must be at least {HMAC_MIN_KEY_BYTES} bytes long.")
    text = secret.decode("utf-8", "replace")
    if text.lower() in _KNOWN_PUBLIC_SECRETS or len(set(text)) < _MIN_DISTINCT_SECRET_CHARACTERS:
        raise ValueError("The JWT secret key is a well-known or low-entropy value; generate one.")
    return secret


def check_key_pair(
    algorithm: str, signing_key: object, verification_key: object
) -> tuple[SigningKey, VerificationKey]:
    """Check that the keys suit `algorithm` and belong together; raise ValueError otherwise."""
    if algorithm == "HS256":
        if isinstance(signing_key, str):
            signing_key = signing_key.encode("utf-8")
        if isinstance(verification_key, str):
            verification_key = verification_key.encode("utf-8")
        if not isinstance(signing_key, bytes) or signing_key != verification_key:
            raise ValueError("HS256 needs the same secret as signing and verification key.")
        return check_hmac_secret(signing_key), signing_key
    if algorithm == "RS256":
        if not (
            isinstance(signing_key, RSAPrivateKey) and isinstance(verification_key, RSAPublicKey)
        ):
            raise ValueError("RS256 needs an RSA private key and its public key.")
        if signing_key.key_size < RSA_MIN_KEY_BITS:
            raise ValueError(f"An RS256 key must have at least {RSA_MIN_KEY_BITS} bits.")
    elif algorithm == "EdDSA":
        if not (
            isinstance(signing_key, Ed25519PrivateKey)
            and isinstance(verification_key, Ed25519PublicKey)
        ):
            raise ValueError("EdDSA needs an Ed25519 private key and its public key.")
    else:
        raise ValueError(
            f"Unsupported JWT algorithm {algorithm!r}; use one of {', '.join(SUPPORTED_ALGORITHMS)}."
        )
    if _spki(signing_key.public_key()) != _spki(verification_key):
        raise ValueError("The JWT public key does not belong to the private key.")
    return signing_key, verification_key


def check_verification_key(algorithm: str, key: object) -> VerificationKey:
    """Check that `key` may verify `algorithm`'s tokens (a previous key, kept for a rotation)."""
    if algorithm == "HS256":
        secret = key.encode("utf-8") if isinstance(key, str) else key
        if not isinstance(secret, bytes):
            raise ValueError("HS256 needs a secret as verification key.")
        return check_hmac_secret(secret)
    if algorithm == "RS256":
        if not isinstance(key, RSAPublicKey):
            raise ValueError("RS256 needs RSA public keys.")
        if key.key_size < RSA_MIN_KEY_BITS:
            raise ValueError(f"An RS256 key must have at least {RSA_MIN_KEY_BITS} bits.")
        return key
    if algorithm == "EdDSA":
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("EdDSA needs Ed25519 public keys.")
        return key
    raise ValueError(
        f"Unsupported JWT algorithm {algorithm!r}; use one of {', '.join(SUPPORTED_ALGORITHMS)}."
    )


def key_id(algorithm: str, key: VerificationKey) -> str:
    """The `kid` naming `key` in token headers (and the JWKS).

    A public key's is its RFC 7638 thumbprint. An HS256 secret's is a short HMAC of a fixed label
    under the secret: it tells keys apart, and tells nothing about the secret (never a plain hash
    of it, which would let anyone check a guess of the key offline without a token).
    """
    if isinstance(key, bytes):
        digest = hmac.new(key, b"tessera jwt key id", hashlib.sha256).hexdigest()
        return digest[:HMAC_KEY_ID_LENGTH]
    jwk = public_jwk(algorithm, key)
    if jwk is None:
        raise ValueError("Not a key Tessera can name.")
    return str(jwk["kid"])


def load_previous_public_keys(algorithm: str, paths: Sequence[str]) -> list[VerificationKey]:
    """The earlier public keys (PEM files) that still verify tokens during a rotation."""
    if paths and algorithm == "HS256":
        raise ValueError("HS256 has no public keys: list earlier secrets in SECRET_KEY_PREVIOUS.")
    name = "previous JWT public key file"
    keys = []
    for path in paths:
        key = _load_pem(path, "public", name)
        try:
            keys.append(check_verification_key(algorithm, key))
        except ValueError as error:
            raise ValueError(f"The {name} {path!r}: {error}") from None
    return keys


def load_signing_keys(
    algorithm: str,
    secret_key: str | None,
    private_key_file: str | None,
    public_key_file: str | None,
) -> tuple[SigningKey, VerificationKey]:
    """The (signing, verification) keys for `algorithm`, as settings name them.

    HS256 uses `secret_key` for both. RS256 and EdDSA read PEM files; without a public key file the
    public key is derived from the private one. Any problem is a ValueError naming it.
    """
    if algorithm == "HS256":
        if not secret_key:
            raise ValueError("HS256 needs a JWT secret key.")
        return check_key_pair(algorithm, secret_key, secret_key)
    if algorithm not in SUPPORTED_ALGORITHMS:
        return check_key_pair(algorithm, None, None)  # raises, naming the supported ones
    if not private_key_file:
        raise ValueError(f"{algorithm} needs a private key file (PEM).")
    private_key = _load_pem(private_key_file, "private")
    if public_key_file:
        public_key = _load_pem(public_key_file, "public")
    elif isinstance(private_key, RSAPrivateKey | Ed25519PrivateKey):
        public_key = private_key.public_key()
    else:
        public_key = None  # check_key_pair names the key type the algorithm needs
    return check_key_pair(algorithm, private_key, public_key)


def public_jwk(algorithm: str, key: VerificationKey) -> dict[str, Any] | None:
    """The public JWK of `key`, with its RFC 7638 thumbprint as `kid`; None for a shared secret."""
    members: dict[str, str]
    if isinstance(key, RSAPublicKey):
        numbers = key.public_numbers()
        members = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    elif isinstance(key, Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    else:
        return None
    # RFC 7638: SHA-256 over the required members, sorted, without whitespace.
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode("ascii")
    kid = b64url(hashlib.sha256(canonical).digest())
    return {**members, "kid": kid, "alg": algorithm, "use": "sig"}


def _load_pem(path: str, what: Literal["private", "public"], name: str = "") -> object:
    name = name or f"JWT {what} key file"
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ValueError(f"Cannot read the {name} {path!r}: {error.strerror}") from None
    try:
        if what == "private":
            return serialization.load_pem_private_key(data, password=None)
        return serialization.load_pem_public_key(data)
    # ValueError: not PEM; TypeError: an encrypted key; UnsupportedAlgorithm: an unknown key type.
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError(f"The {name} {path!r} is not an unencrypted PEM {what} key.") from None


def _spki(key: RSAPublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _b64url_uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))
