"""Bodies of the session and recovery routes of /auth, and of the audit trail."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from application.ports.audit import AuditEvent, AuditEventType
from domain.sessions import AuthSession
from domain.users import EMAIL_MAX_LENGTH
from interfaces.http.schemas.common import RequestBody, example
from interfaces.http.schemas.users import (
    EXAMPLE_EMAIL,
    EXAMPLE_NEW_PASSWORD,
    TOKEN_FIELD_MAX_LENGTH,
    Password,
)

Token = Field(min_length=1, max_length=TOKEN_FIELD_MAX_LENGTH)


class RefreshTokenRequest(RequestBody):
    model_config = example({"refresh_token": "the refresh_token of the last login or refresh"})

    refresh_token: str = Token


class ForgotPasswordRequest(RequestBody):
    model_config = example({"email": EXAMPLE_EMAIL})

    email: str = Field(max_length=EMAIL_MAX_LENGTH)


class ResetPasswordRequest(RequestBody):
    model_config = example(
        {"token": "the token of the emailed reset link", "new_password": EXAMPLE_NEW_PASSWORD}
    )

    token: str = Token
    new_password: str = Password


class VerifyEmailRequest(RequestBody):
    model_config = example({"token": "the token of the emailed verification link"})

    token: str = Token


class Accepted(BaseModel):
    """The answer to a request whose outcome is told by email, if at all."""

    message: str


class SessionResponse(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    ip: str | None

    @classmethod
    def of(cls, session: AuthSession) -> "SessionResponse":
        return cls(
            id=session.id,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            user_agent=session.user_agent,
            ip=session.ip,
        )


class AuditEventResponse(BaseModel):
    id: uuid.UUID
    event_type: AuditEventType
    user_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    ip: str | None
    user_agent: str | None
    occurred_at: datetime
    details: dict[str, Any]

    @classmethod
    def of(cls, event: AuditEvent) -> "AuditEventResponse":
        return cls(
            id=event.id,
            event_type=event.event_type,
            user_id=event.user_id,
            actor_id=event.actor_id,
            ip=event.ip,
            user_agent=event.user_agent,
            occurred_at=event.occurred_at,
            details=event.details,
        )
