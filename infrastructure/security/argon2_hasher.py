"""The PasswordHasher port with Argon2id (argon2-cffi), bounded so a login storm cannot exhaust memory."""

import os
import secrets
import threading

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

# RFC 9106's low-memory profile, argon2-cffi's own defaults: 3 passes over 64 MiB with 4 lanes.
DEFAULT_TIME_COST: int = RFC_9106_LOW_MEMORY.time_cost
DEFAULT_MEMORY_COST: int = RFC_9106_LOW_MEMORY.memory_cost
"""In KiB."""
DEFAULT_PARALLELISM: int = RFC_9106_LOW_MEMORY.parallelism


def _encode(password: str) -> bytes:
    # "surrogatepass" so that any str (a JSON "\ud800" escape included) hashes instead of raising.
    return password.encode("utf-8", "surrogatepass")


class Argon2PasswordHasher:
    """Argon2id hashes; at most `max_concurrency` (default: the CPU count) computed at once."""

    def __init__(
        self,
        time_cost: int,
        memory_cost: int,
        parallelism: int,
        max_concurrency: int | None = None,
    ) -> None:
        concurrency = max_concurrency if max_concurrency is not None else os.cpu_count() or 1
        if concurrency < 1:
            raise ValueError("max_concurrency must be at least 1.")
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        # Each computation holds memory_cost KiB; more of them than CPUs only queue inside the C code
        # while multiplying the memory in use, so extra callers wait here instead.
        self._slots = threading.BoundedSemaphore(concurrency)
        self._dummy_lock = threading.Lock()
        self._dummy_hash: str | None = None

    @classmethod
    def with_defaults(cls, max_concurrency: int | None = None) -> "Argon2PasswordHasher":
        """A hasher with the RFC 9106 low-memory profile (t=3, m=65536 KiB, p=4)."""
        return cls(DEFAULT_TIME_COST, DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, max_concurrency)

    @property
    def dummy_hash(self) -> str:
        """A hash of a random throwaway secret, made once, on first use, with the current parameters."""
        if self._dummy_hash is None:
            with self._dummy_lock:
                if self._dummy_hash is None:
                    self._dummy_hash = self.hash(secrets.token_urlsafe(32))
        return self._dummy_hash

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(_encode(password))

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            with self._slots:
                return self._hasher.verify(password_hash, _encode(password))
        # VerificationError covers a mismatch (VerifyMismatchError) and a hash Argon2 cannot decode;
        # InvalidHashError (a ValueError, not an Argon2Error) a hash that is not Argon2 at all, and a
        # plain ValueError a non-ASCII one.
        except (VerificationError, InvalidHashError, ValueError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except ValueError:  # InvalidHashError and friends: verify() rejects such a hash anyway.
            return False
