"""Rows to domain objects and back; columns are named after the dataclasses' fields.

Rows are read by column object, not by name, so the same function reads a table's row
alone or joined to another table with clashing names (posts and users both have `id`).
"""

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy import RowMapping

from application.ports.audit import AuditEvent, AuditEventType
from application.ports.repositories import RefreshTokenRecord
from domain.action_tokens import ActionPurpose, ActionToken
from domain.identities import Identity, LoginCode, LoginOutcome, OidcFlow
from domain.mfa import MfaToken, RecoveryCode, TotpFactor
from domain.passkeys import ChallengePurpose, Passkey, WebAuthnChallenge
from domain.posts import Post
from domain.sessions import AuthSession
from domain.tasks import Priority, Task
from domain.users import Role, User, username_key
from infrastructure.persistence.sqlalchemy.tables import (
    action_tokens,
    audit_events,
    auth_sessions,
    identities,
    login_codes,
    mfa_tokens,
    oidc_flows,
    passkeys,
    posts,
    recovery_codes,
    refresh_tokens,
    tasks,
    totp_factors,
    users,
    webauthn_challenges,
)


def columns_of(
    table: sa.Table, row: RowMapping, *, leave_out: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {column.name: row[column] for column in table.c if column.name not in leave_out}


# The hot reads (the session and user behind every authenticated request, the public feed) map
# rows by position: looking each column up by object in a RowMapping cost more than the query.
# `select(*X_COLUMNS)` fixes the order that `x_from_values` reads.
USER_COLUMNS = tuple(column for column in users.c if column.name != "username_key")
SESSION_COLUMNS = tuple(auth_sessions.c)
POST_COLUMNS = tuple(posts.c)
_USER_FIELDS = tuple(column.name for column in USER_COLUMNS)
_SESSION_FIELDS = tuple(column.name for column in SESSION_COLUMNS)
_POST_FIELDS = tuple(column.name for column in POST_COLUMNS)


def user_from_values(values: Sequence[Any]) -> User:
    """A user from the values of `USER_COLUMNS`, in order."""
    fields = dict(zip(_USER_FIELDS, values, strict=True))
    fields["role"] = Role(fields["role"])
    return User(**fields)


def session_from_values(values: Sequence[Any]) -> AuthSession:
    """A session from the values of `SESSION_COLUMNS`, in order."""
    return AuthSession(**dict(zip(_SESSION_FIELDS, values, strict=True)))


def post_from_values(values: Sequence[Any]) -> Post:
    """A post from the values of `POST_COLUMNS`, in order."""
    return Post(**dict(zip(_POST_FIELDS, values, strict=True)))


def user_values(user: User) -> dict[str, Any]:
    return asdict(user) | {"role": user.role.value, "username_key": username_key(user.username)}


def user_from_row(row: RowMapping) -> User:
    values = columns_of(users, row, leave_out=("username_key",))
    return User(**values | {"role": Role(values["role"])})


def session_values(session: AuthSession) -> dict[str, Any]:
    return asdict(session)


def session_from_row(row: RowMapping) -> AuthSession:
    return AuthSession(**columns_of(auth_sessions, row))


def refresh_token_from_row(row: RowMapping) -> RefreshTokenRecord:
    return RefreshTokenRecord(**columns_of(refresh_tokens, row))


def task_values(task: Task) -> dict[str, Any]:
    return asdict(task) | {"priority": task.priority.value}


# Task rows map by position: a list maps twenty of them per request, and reading each column by
# name took a quarter of the list's time. `select(*TASK_COLUMNS)` fixes the order unpacked below.
TASK_COLUMNS = (
    tasks.c.id,
    tasks.c.owner_id,
    tasks.c.title,
    tasks.c.description,
    tasks.c.completed,
    tasks.c.priority,
    tasks.c.due_date,
    tasks.c.created_at,
    tasks.c.updated_at,
)


def task_from_row(row: Sequence[Any]) -> Task:
    """A task from a row of `select(*TASK_COLUMNS)`."""
    task_id, owner_id, title, description, completed, priority, due_date, created, updated = row
    return Task(
        id=task_id,
        owner_id=owner_id,
        title=title,
        description=description,
        completed=completed,
        priority=Priority(priority),
        due_date=due_date,
        created_at=created,
        updated_at=updated,
    )


def post_values(post: Post) -> dict[str, Any]:
    return asdict(post)


def post_from_row(row: RowMapping) -> Post:
    return Post(**columns_of(posts, row))


def action_token_values(token: ActionToken) -> dict[str, Any]:
    return asdict(token) | {"purpose": token.purpose.value}


def action_token_from_row(row: RowMapping) -> ActionToken:
    values = columns_of(action_tokens, row)
    return ActionToken(**values | {"purpose": ActionPurpose(values["purpose"])})


def audit_event_values(event: AuditEvent) -> dict[str, Any]:
    return asdict(event) | {"event_type": event.event_type.value}


def audit_event_from_row(row: RowMapping) -> AuditEvent:
    values = columns_of(audit_events, row)
    return AuditEvent(**values | {"event_type": AuditEventType(values["event_type"])})


def totp_factor_from_row(row: RowMapping) -> TotpFactor:
    return TotpFactor(**columns_of(totp_factors, row))


def recovery_code_from_row(row: RowMapping) -> RecoveryCode:
    return RecoveryCode(**columns_of(recovery_codes, row))


def mfa_token_from_row(row: RowMapping) -> MfaToken:
    return MfaToken(**columns_of(mfa_tokens, row))


def passkey_values(passkey: Passkey) -> dict[str, Any]:
    return asdict(passkey) | {"transports": list(passkey.transports)}


def passkey_from_row(row: RowMapping) -> Passkey:
    values = columns_of(passkeys, row)
    return Passkey(
        **values
        | {
            "credential_id": bytes(values["credential_id"]),
            "public_key": bytes(values["public_key"]),
            "transports": tuple(values["transports"]),
        }
    )


def challenge_values(challenge: WebAuthnChallenge) -> dict[str, Any]:
    return asdict(challenge) | {"purpose": challenge.purpose.value}


def challenge_from_row(row: RowMapping) -> WebAuthnChallenge:
    values = columns_of(webauthn_challenges, row)
    return WebAuthnChallenge(**values | {"purpose": ChallengePurpose(values["purpose"])})


def identity_from_row(row: RowMapping) -> Identity:
    return Identity(**columns_of(identities, row))


def oidc_flow_from_row(row: RowMapping) -> OidcFlow:
    return OidcFlow(**columns_of(oidc_flows, row))


def login_code_values(code: LoginCode) -> dict[str, Any]:
    return asdict(code) | {"outcome": code.outcome.value}


def login_code_from_row(row: RowMapping) -> LoginCode:
    values = columns_of(login_codes, row)
    return LoginCode(**values | {"outcome": LoginOutcome(values["outcome"])})
