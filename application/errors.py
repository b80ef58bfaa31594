"""Errors of the use cases that are not rules of a single entity: authentication, paging, policy."""

from domain.errors import DomainError


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    message = "Incorrect username or password."


class InvalidToken(DomainError):
    code = "invalid_token"
    message = "Could not validate credentials."


class AccountInactive(DomainError):
    code = "account_inactive"
    message = "This account is deactivated."


class EmailNotVerified(DomainError):
    code = "email_not_verified"
    message = "Verify your email address before logging in."


class InvalidCurrentPassword(DomainError):
    code = "invalid_current_password"
    message = "The current password is incorrect."


class PasswordPolicyViolation(DomainError):
    """A password breaks the policy; the message says which rule. `field` names the body field."""

    code = "password_policy"

    def __init__(self, message: str, field: str = "password") -> None:
        super().__init__(message)
        self.field = field


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    message = "The pagination cursor is malformed."


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    message = "Too many attempts. Try again later."

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__()
        self.retry_after_seconds = max(1, retry_after_seconds)


class InvalidRefreshToken(DomainError):
    code = "invalid_refresh_token"
    message = "The refresh token is invalid or expired."


class InvalidResetToken(DomainError):
    code = "invalid_reset_token"
    message = "The password reset token is invalid or expired."


class InvalidVerifyToken(DomainError):
    code = "invalid_verify_token"
    message = "The verification token is invalid or expired."


class SessionNotFound(DomainError):
    code = "not_found"
    message = "Session not found."


class StorageUnavailable(DomainError):
    """The database cannot be reached (down, restarting, network cut). Temporary by nature:
    the client may retry, so the interface answers 503 with a Retry-After."""

    code = "database_unavailable"
    message = "The database is not reachable. Try again shortly."


class MfaRequired(DomainError):
    """A correct password for an account with a second factor: no session yet, only the token
    that `POST /auth/mfa/verify` redeems with a code, and the methods that may complete it."""

    code = "mfa_required"
    message = "This account has a second factor: complete the login with a code."

    def __init__(self, mfa_token: str, methods: list[str]) -> None:
        super().__init__()
        self.mfa_token = mfa_token
        self.methods = methods


class InvalidMfaToken(DomainError):
    code = "invalid_mfa_token"
    message = "The second-step token is invalid or expired: log in again."


class InvalidMfaCode(DomainError):
    """A refused TOTP or recovery code on an account route (400)."""

    code = "invalid_mfa_code"
    message = "The code is not valid."


class RefusedMfaCode(InvalidMfaCode):
    """A refused TOTP or recovery code at the second step of a login (401): the same code and
    message, another status, as the contract says."""


class MfaAlreadyEnabled(DomainError):
    code = "mfa_already_enabled"
    message = "A second factor is already on: turn it off first."


class NoPendingSetup(DomainError):
    code = "no_pending_setup"
    message = "There is no authenticator setup to confirm: start one first."


class MfaNotEnabled(DomainError):
    code = "mfa_not_enabled"
    message = "No second factor is on."


class InvalidPasskey(DomainError):
    """A passkey's credential that does not verify, on an account route (400): malformed, for
    an unknown, spent or expired challenge, from another origin or RP ID, badly signed."""

    code = "invalid_passkey"
    message = "The passkey could not be verified."


class RefusedPasskey(InvalidPasskey):
    """The same refusal when signing in with a passkey (401)."""


class InvalidOidcState(DomainError):
    """A provider callback whose state is unknown, spent, expired or from another browser."""

    code = "invalid_oidc_state"
    message = "The sign-in is invalid or expired, or was started in another browser: start again."


class OidcError(DomainError):
    """The provider step failed (denied, a code it would not exchange, an ID token that does
    not verify); the reason is only logged."""

    code = "oidc_error"
    message = "Signing in with the provider failed: try again."


class InvalidLoginCode(DomainError):
    code = "invalid_login_code"
    message = "The login code is invalid, used or expired: sign in again."


class InvalidRedirectUri(DomainError):
    code = "invalid_redirect_uri"
    message = "This redirect_uri is not allowed."


class UnknownProvider(DomainError):
    code = "not_found"
    message = "No such identity provider."
