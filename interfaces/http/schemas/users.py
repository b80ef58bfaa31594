"""Bodies of /auth and /users."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Form
from pydantic import BaseModel, Field, model_validator

from application.services.session_tokens import IssuedTokens
from domain.users import (
    EMAIL_MAX_LENGTH,
    FULL_NAME_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    USERNAME_PATTERN,
    Role,
    User,
)
from interfaces.http.schemas.common import NulFree, RequestBody, example

# Generous bounds that reject absurd input before any work; the policy then applies the real rules.
PASSWORD_FIELD_MAX_LENGTH = 1024
TOKEN_FIELD_MAX_LENGTH = 4096

Username = Field(
    min_length=USERNAME_MIN_LENGTH, max_length=USERNAME_MAX_LENGTH, pattern=USERNAME_PATTERN
)
Email = Field(max_length=EMAIL_MAX_LENGTH)
FullName = Field(default=None, max_length=FULL_NAME_MAX_LENGTH)
Password = Field(min_length=1, max_length=PASSWORD_FIELD_MAX_LENGTH)

# One account runs through the examples (register, log in, change the password), so that they
# work one after the other in /docs, as in the README.
EXAMPLE_USERNAME = "alice"
EXAMPLE_EMAIL = "alice@example.com"
EXAMPLE_PASSWORD = "correct horse battery staple"  # noqa: S105 - a public example
EXAMPLE_NEW_PASSWORD = "purple otter maps the sunrise"  # noqa: S105 - a public example


class RegisterRequest(RequestBody):
    model_config = example(
        {
            "username": EXAMPLE_USERNAME,
            "email": EXAMPLE_EMAIL,
            "password": EXAMPLE_PASSWORD,
            "full_name": "Alice Martin",
        }
    )

    username: str = Username
    email: str = Email
    password: str = Password
    full_name: str | None = FullName


class LoginRequest(RequestBody):
    """`username` may hold a username or an email; `email` is accepted as well."""

    model_config = example({"username": EXAMPLE_USERNAME, "password": EXAMPLE_PASSWORD})

    username: str | None = Field(default=None, max_length=EMAIL_MAX_LENGTH)
    email: str | None = Field(default=None, max_length=EMAIL_MAX_LENGTH)
    password: str = Password

    @model_validator(mode="after")
    def _one_name(self) -> "LoginRequest":
        if not (self.username or self.email):
            raise ValueError("Give a username or an email.")
        return self

    @property
    def login(self) -> str:
        return self.username or self.email or ""


class UpdateProfileRequest(RequestBody):
    """Every field is optional; `full_name` may be cleared with null, `username` and `email` not."""

    model_config = example({"full_name": "Alice Martin"})

    username: str | None = Field(
        default=None,
        min_length=USERNAME_MIN_LENGTH,
        max_length=USERNAME_MAX_LENGTH,
        pattern=USERNAME_PATTERN,
    )
    email: str | None = Field(default=None, max_length=EMAIL_MAX_LENGTH)
    full_name: str | None = FullName

    @model_validator(mode="after")
    def _no_null_names(self) -> "UpdateProfileRequest":
        self.reject_null("username", "email")
        return self


class ChangePasswordRequest(RequestBody):
    model_config = example(
        {"current_password": EXAMPLE_PASSWORD, "new_password": EXAMPLE_NEW_PASSWORD}
    )

    current_password: str = Password
    new_password: str = Password


class PasswordConfirmation(RequestBody):
    model_config = example({"password": EXAMPLE_PASSWORD})

    password: str = Password


class UserPublic(BaseModel):
    id: uuid.UUID
    username: str
    full_name: str | None
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> "UserPublic":
        return cls(
            id=user.id, username=user.username, full_name=user.full_name, created_at=user.created_at
        )


class UserPrivate(UserPublic):
    email: str
    role: Literal["user", "admin"]
    is_active: bool
    email_verified: bool
    mfa_enabled: bool
    """A second factor (an authenticator app) is on."""
    has_password: bool
    """False for an account made through an external identity provider, until a reset sets one."""

    @classmethod
    def of(cls, user: User) -> "UserPrivate":
        return cls(
            id=user.id,
            username=user.username,
            email=user.email,
            full_name=user.full_name,
            role=user.role.value,
            is_active=user.is_active,
            email_verified=user.email_verified,
            mfa_enabled=user.mfa_enabled,
            has_password=user.has_password,
            created_at=user.created_at,
        )


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    refresh_token: str

    @classmethod
    def of(cls, issued: IssuedTokens) -> "TokenResponse":
        return cls(
            access_token=issued.access_token,
            expires_in=issued.expires_in,
            refresh_token=issued.refresh_token,
        )


class LoginResponse(TokenResponse):
    user: UserPrivate

    @classmethod
    def of(cls, issued: IssuedTokens) -> "LoginResponse":
        return cls(
            access_token=issued.access_token,
            expires_in=issued.expires_in,
            refresh_token=issued.refresh_token,
            user=UserPrivate.of(issued.user),
        )


class RoleChangeRequest(RequestBody):
    model_config = example({"role": "admin"})

    role: Role


class PasswordForm:
    """The OAuth2 password form of /auth/token, bounded like the JSON login body.

    FastAPI's own `OAuth2PasswordRequestForm` takes fields of any length and content; this one
    refuses absurd or NUL-laden input with a 422 before the login use case does any work.
    """

    def __init__(
        self,
        username: Annotated[
            str,
            Form(min_length=1, max_length=EMAIL_MAX_LENGTH, examples=[EXAMPLE_USERNAME]),
            NulFree,
        ],
        password: Annotated[
            str,
            Form(
                min_length=1,
                max_length=PASSWORD_FIELD_MAX_LENGTH,
                examples=[EXAMPLE_PASSWORD],
                json_schema_extra={"format": "password"},
            ),
            NulFree,
        ],
        grant_type: Annotated[str | None, Form(pattern="^password$", examples=["password"])] = None,
        scope: Annotated[str, Form(max_length=1024)] = "",
        client_id: Annotated[str | None, Form(max_length=256)] = None,
        client_secret: Annotated[
            str | None, Form(max_length=256, json_schema_extra={"format": "password"})
        ] = None,
    ) -> None:
        self.username = username
        self.password = password
        self.grant_type = grant_type
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret
