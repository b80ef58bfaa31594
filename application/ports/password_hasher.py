from typing import Protocol


class PasswordHasher(Protocol):
    """Turns passwords into slow, salted hashes and checks them. Passwords arrive normalised."""

    @property
    def dummy_hash(self) -> str:
        """A hash of no one's password, made with the current parameters.

        Verifying against it costs what a real verify costs, so an unknown account takes as long
        as a wrong password.
        """
        ...

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True only when `password` matches; a malformed or foreign hash is simply False."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        ...
