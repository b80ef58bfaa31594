"""Form input for pages: what a field's error says, and where a login sends the person back to."""

from collections.abc import Callable, Mapping

from application.errors import PasswordPolicyViolation
from domain.errors import DomainError, EmailTaken, InvalidField, UsernameTaken

FieldErrors = dict[str, str]

# Errors that are about one field, though not raised as InvalidField.
_FIELD_OF: dict[type[DomainError], str] = {UsernameTaken: "username", EmailTaken: "email"}


def field_errors(error: DomainError) -> FieldErrors | None:
    """The error as a message next to its field, or None when it is not about a field."""
    if isinstance(error, InvalidField | PasswordPolicyViolation):
        return {error.field: error.detail}
    for error_type, field in _FIELD_OF.items():
        if isinstance(error, error_type):
            return {field: error.detail}
    return None


def each_field_error(checks: Mapping[str, Callable[[], object]]) -> FieldErrors:
    """Run the domain's check of each field on its own, so that a form shows every wrong field at
    once (the use case, which checks them again, stops at the first). The pages' counterpart of the
    API's request schemas."""
    errors: FieldErrors = {}
    for field, check in checks.items():
        try:
            check()
        except InvalidField as error:
            errors[field] = error.detail
    return errors


def without_secrets(form: dict[str, str]) -> dict[str, str]:
    """The input to show again in a form: never a password or the CSRF token."""
    return {
        name: value
        for name, value in form.items()
        if "password" not in name and name != "csrf_token"
    }


def local_path(target: str | None, default: str = "/app/") -> str:
    """Where to go after login: a path of these pages only, never another site (`//evil`)."""
    if not target or not target.startswith("/app/") or "\\" in target or "//" in target:
        return default
    if any(ord(character) < 32 for character in target):
        return default
    return target


def optional_text(value: str | None) -> str | None:
    """An optional text field: empty means not given."""
    value = (value or "").strip()
    return value or None
