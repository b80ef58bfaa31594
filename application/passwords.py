"""The password policy as the use cases apply it: with the account's own words as context."""

from application.errors import PasswordPolicyViolation
from application.ports.password_policy import PasswordPolicy


def check_new_password(
    policy: PasswordPolicy, password: str, *, username: str, email: str, field: str = "password"
) -> None:
    """Raise PasswordPolicyViolation (naming `field`) when `password` may not be chosen."""
    local_part = email.split("@", 1)[0]
    try:
        policy.check(password, context_words=[username, local_part])
    except PasswordPolicyViolation as violation:
        violation.field = field
        raise
