"""How a password is read before any rule or hash sees it."""

import unicodedata

PASSWORD_MAX_LENGTH = 128
"""The policy's upper bound, in code points after normalisation."""


def normalize_password(password: str) -> str:
    """NFKC-normalise a password so that equivalent Unicode forms are the same password.

    Nothing else is done: no trimming and no case folding (NIST SP 800-63B).
    """
    return unicodedata.normalize("NFKC", password)
