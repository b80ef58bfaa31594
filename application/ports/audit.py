import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class AuditEventType(StrEnum):
    USER_REGISTERED = "user_registered"
    ADMIN_CREATED = "admin_created"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    TOKEN_REFRESHED = "token_refreshed"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFIED = "email_verified"
    EMAIL_DELIVERY_FAILED = "email_delivery_failed"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_ACTIVATED = "account_activated"
    ACCOUNT_DELETED = "account_deleted"
    ROLE_CHANGED = "role_changed"
    PERMISSION_DENIED = "permission_denied"
    ACCESS_TOKEN_REJECTED = "access_token_rejected"
    MFA_ENABLED = "mfa_enabled"
    MFA_DISABLED = "mfa_disabled"
    MFA_FAILED = "mfa_failed"
    MFA_RESET = "mfa_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"
    PASSKEY_LOGIN = "passkey_login"
    OIDC_LOGIN = "oidc_login"
    OIDC_FAILED = "oidc_failed"
    IDENTITY_LINKED = "identity_linked"
    IDENTITY_UNLINKED = "identity_unlinked"


@dataclass(frozen=True)
class AuditEvent:
    """What happened, to whom, by whom, from where. Never a password, a hash or a whole token."""

    event_type: AuditEventType
    occurred_at: datetime
    user_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    ip: str | None = None
    user_agent: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)


class SecurityLog(Protocol):
    def write(self, event: AuditEvent) -> None:
        """One structured log line for the event."""
        ...
