"""Users, their roles, and the rules their fields follow."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from domain.errors import InvalidField, LastAdmin

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 32
USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"
FULL_NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254

_USERNAME_RE = re.compile(USERNAME_PATTERN)


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


def validate_username(value: str) -> str:
    """A username is 3-32 ASCII letters, digits, `_`, `.` or `-`, stored as given."""
    if not USERNAME_MIN_LENGTH <= len(value) <= USERNAME_MAX_LENGTH:
        raise InvalidField(
            "username",
            f"Username must be {USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters long.",
        )
    # fullmatch: with match, `$` would also match before a final newline ("root\n").
    if not _USERNAME_RE.fullmatch(value):
        raise InvalidField(
            "username", "Username may contain only letters, digits, '_', '.' and '-'."
        )
    return value


def username_key(username: str) -> str:
    """The form under which usernames are unique: case-insensitive."""
    return username.lower()


def normalize_email(value: str) -> str:
    """Check that an address is valid and return it trimmed and lowercased."""
    candidate = value.strip()
    if len(candidate) > EMAIL_MAX_LENGTH:
        raise InvalidField("email", "Email address is too long.")
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidField("email", f"Email address is not valid: {error}") from None
    return checked.normalized.lower()


def validate_full_name(value: str | None) -> str | None:
    if value is not None and len(value) > FULL_NAME_MAX_LENGTH:
        raise InvalidField(
            "full_name", f"Full name must be at most {FULL_NAME_MAX_LENGTH} characters long."
        )
    return value


@dataclass
class User:
    id: uuid.UUID
    username: str
    email: str
    password_hash: str
    full_name: str | None
    role: Role
    is_active: bool
    email_verified: bool
    token_version: int
    created_at: datetime
    updated_at: datetime
    mfa_enabled: bool = False
    """A second factor (TOTP) is on: a correct password alone no longer signs in."""
    has_password: bool = True
    """False for an account made through an external identity provider, until a reset sets one."""

    @classmethod
    def register(
        cls,
        *,
        username: str,
        email: str,
        password_hash: str,
        full_name: str | None,
        now: datetime,
        role: Role = Role.USER,
        email_verified: bool = False,
    ) -> "User":
        return cls(
            id=uuid.uuid4(),
            username=validate_username(username),
            email=normalize_email(email),
            password_hash=password_hash,
            full_name=validate_full_name(full_name),
            role=role,
            is_active=True,
            email_verified=email_verified,
            token_version=0,
            created_at=now,
            updated_at=now,
        )

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def counts_as_active_admin(self) -> bool:
        return self.is_admin and self.is_active

    def revoke_tokens(self) -> None:
        """Make every token issued so far unusable (their `ver` claim is now older)."""
        self.token_version += 1

    def change_password_hash(self, password_hash: str, now: datetime) -> None:
        self.password_hash = password_hash
        self.has_password = True  # an account made through a provider gets one by a reset
        self.revoke_tokens()
        self.updated_at = now

    def rename(self, username: str, now: datetime) -> None:
        self.username = validate_username(username)
        self.updated_at = now

    def change_email(self, email: str, now: datetime) -> None:
        """A new address is unverified until its owner proves it."""
        normalized = normalize_email(email)
        if normalized != self.email:
            self.email = normalized
            self.email_verified = False
        self.updated_at = now

    def change_full_name(self, full_name: str | None, now: datetime) -> None:
        self.full_name = validate_full_name(full_name)
        self.updated_at = now

    def verify_email(self, address: str, now: datetime) -> bool:
        """Mark the email verified if `address` is still the user's; False when it changed since."""
        if address != self.email:
            return False
        self.email_verified = True
        self.updated_at = now
        return True

    def change_role(self, role: Role, now: datetime) -> None:
        """Tokens carry the role, so a change makes every earlier token unusable."""
        if role is not self.role:
            self.role = role
            self.revoke_tokens()
        self.updated_at = now

    def deactivate(self, now: datetime) -> None:
        self.is_active = False
        self.revoke_tokens()
        self.updated_at = now

    def activate(self, now: datetime) -> None:
        self.is_active = True
        self.updated_at = now

    def enable_mfa(self, now: datetime) -> None:
        self.mfa_enabled = True
        self.updated_at = now

    def disable_mfa(self, now: datetime) -> None:
        self.mfa_enabled = False
        self.updated_at = now


def ensure_an_admin_remains(target: User, active_admin_count: int) -> None:
    """The last active admin can never be deactivated, demoted or deleted, by anyone (themself too)."""
    if target.counts_as_active_admin and active_admin_count <= 1:
        raise LastAdmin()
