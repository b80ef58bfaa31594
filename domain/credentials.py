"""The ways an account signs in: a password, passkeys, identities at external providers.

The one rule they share: an account always keeps at least one of them.
"""

from domain.errors import LastCredential


def ensure_a_credential_remains(
    *, has_password: bool, passkeys_left: int, identities_left: int = 0
) -> None:
    """An account keeps at least one way to sign in: without a password, its last passkey or
    its last linked identity cannot be removed."""
    if not has_password and passkeys_left < 1 and identities_left < 1:
        raise LastCredential()
