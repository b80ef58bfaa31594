"""The PasswordPolicy port: length, no all-digit or personal passwords, and a zxcvbn strength score."""

import threading
from collections.abc import Sequence

from zxcvbn import zxcvbn

from application.errors import PasswordPolicyViolation
from domain.passwords import PASSWORD_MAX_LENGTH

ZXCVBN_MAX_LENGTH = 72
"""zxcvbn raises a ValueError above this many characters, so only such a prefix is scored."""

CONTEXT_WORD_MIN_LENGTH = 3
"""Shorter context words (an email like "jo@...") would forbid too many innocent passwords."""

# zxcvbn keeps the user_inputs of the current call in a module-level dictionary, so two concurrent
# calls would score against each other's words.
_ZXCVBN_LOCK = threading.Lock()


class ZxcvbnPasswordPolicy:
    """NIST SP 800-63B style: length and a blocklist-like strength estimate, no composition rules."""

    def __init__(self, min_length: int = 8, min_strength: int = 2) -> None:
        if not 1 <= min_length <= PASSWORD_MAX_LENGTH:
            raise ValueError(f"min_length must be between 1 and {PASSWORD_MAX_LENGTH}.")
        if not 0 <= min_strength <= 4:
            raise ValueError("min_strength must be a zxcvbn score between 0 and 4.")
        self._min_length = min_length
        self._min_strength = min_strength

    def check(self, password: str, *, context_words: Sequence[str]) -> None:
        # Length first: it is cheap and bounds the work of every later rule.
        if len(password) < self._min_length:
            raise PasswordPolicyViolation(
                f"Password must be at least {self._min_length} characters long."
            )
        if len(password) > PASSWORD_MAX_LENGTH:
            raise PasswordPolicyViolation(
                f"Password must be at most {PASSWORD_MAX_LENGTH} characters long."
            )
        if password.isdigit():
            raise PasswordPolicyViolation("Password must not consist of digits only.")
        words = [w for w in context_words if len(w) >= CONTEXT_WORD_MIN_LENGTH]
        folded = password.casefold()
        if any(word.casefold() in folded for word in words):
            raise PasswordPolicyViolation(
                "Password must not contain your username or the name part of your email address."
            )
        if self._score(password, words) < self._min_strength:
            raise PasswordPolicyViolation(
                "Password is too common or easy to guess; a longer phrase of unrelated words works."
            )

    @staticmethod
    def _score(password: str, words: list[str]) -> int:
        with _ZXCVBN_LOCK:
            result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)
        return int(result["score"])
