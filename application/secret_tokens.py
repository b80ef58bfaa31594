"""Opaque secret tokens (refresh, reset, verification): random, and stored only as a hash."""

import hashlib
import secrets

SECRET_TOKEN_BYTES = 32
"""256 bits from the OS CSPRNG."""


def new_secret_token() -> str:
    return secrets.token_urlsafe(SECRET_TOKEN_BYTES)


def hash_secret_token(token: str) -> str:
    """SHA-256 suffices: the token is 256 random bits, nothing a slow hash would protect."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
