from collections.abc import Sequence
from typing import Protocol


class PasswordPolicy(Protocol):
    def check(self, password: str, *, context_words: Sequence[str]) -> None:
        """Raise PasswordPolicyViolation naming the broken rule; `password` is already normalised.

        `context_words` (the username, the email's local part) must not appear in the password.
        """
        ...
