from typing import Protocol


class SecretUnreadable(Exception):
    """A sealed secret that cannot be opened: sealed under another key, for another owner, or
    altered. Never a user's mistake: the operator changed or lost the key."""


class SecretBox(Protocol):
    """Authenticated encryption of small secrets kept at rest (the TOTP secrets).

    `context` binds a sealed value to its owner (e.g. the user's id): a value copied to another
    owner's row does not open there.
    """

    def seal(self, secret: str, *, context: str) -> str:
        """The secret encrypted (with a fresh nonce each time), as printable text."""
        ...

    def open(self, sealed: str, *, context: str) -> str:
        """The secret back; raise SecretUnreadable when it cannot be."""
        ...
