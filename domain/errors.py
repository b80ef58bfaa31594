"""Domain errors: plain exceptions, each with a stable machine code that interfaces may show."""


class DomainError(Exception):
    """Base of every error a use case may raise on purpose."""

    code = "domain_error"
    message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def detail(self) -> str:
        return str(self)


class InvalidField(DomainError):
    """A value breaks a field rule; `field` names the field."""

    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UsernameTaken(DomainError):
    code = "username_taken"
    message = "This username is already taken."


class EmailTaken(DomainError):
    code = "email_taken"
    message = "This email address is already registered."


class UserNotFound(DomainError):
    code = "not_found"
    message = "User not found."


class LastAdmin(DomainError):
    code = "last_admin"
    message = "The last active admin cannot be deactivated, demoted or deleted."


class LastCredential(DomainError):
    """An account without a password keeps at least one passkey or linked identity: its last
    way to sign in."""

    code = "last_credential"
    message = (
        "This is the last way to sign in to this account: add another one (or set a password) "
        "before removing it."
    )


class PasskeyNotFound(DomainError):
    code = "not_found"
    message = "Passkey not found."


class PasskeyAlreadyRegistered(DomainError):
    """A credential id is stored once: an authenticator that registers a credential again."""

    code = "invalid_passkey"
    message = "This passkey is already registered."


class PermissionDenied(DomainError):
    code = "permission_denied"
    message = "You are not allowed to do this."


class AdminRequired(PermissionDenied):
    code = "admin_required"
    message = "This action requires the admin role."


class MfaEnrollmentRequired(PermissionDenied):
    code = "mfa_enrollment_required"
    message = "Admins must set up a second factor before using admin features."


class TaskNotFound(DomainError):
    code = "not_found"
    message = "Task not found."


class PostNotFound(DomainError):
    code = "not_found"
    message = "Post not found."


class NotPostAuthor(PermissionDenied):
    code = "not_post_author"
    message = "Only the post's author or an admin may change it."


class IdentityNotFound(DomainError):
    code = "not_found"
    message = "Linked identity not found."


class AccountExists(DomainError):
    """A provider sign-in whose email belongs to an account it may not be linked to silently."""

    code = "account_exists"
    message = (
        "An account with this email address already exists: log in to it and link the provider "
        "from your account page."
    )


class IdentityAlreadyLinked(DomainError):
    """The provider's identity already belongs to an account (another one, or this one)."""

    code = "account_exists"
    message = "This identity is already linked to an account."
