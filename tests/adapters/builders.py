"""Test data for the adapter tests."""

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from application.ports.audit import AuditEvent, AuditEventType
from application.ports.unit_of_work import UnitOfWork
from domain.action_tokens import ActionPurpose, ActionToken
from domain.mfa import MfaToken, RecoveryCode, TotpFactor
from domain.passkeys import ChallengePurpose, Passkey, WebAuthnChallenge
from domain.posts import Post
from domain.sessions import AuthSession
from domain.tasks import Priority, Task
from domain.users import Role, User
from infrastructure.persistence.memory import ConstraintViolation

UnitOfWorkFactory = Callable[[], UnitOfWork]

T = TypeVar("T")

# What a refused key (duplicate, missing parent) raises: no port error exists for these bugs.
KEY_VIOLATION = (ConstraintViolation, IntegrityError)

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def make_user(
    username: str = "Alice",
    email: str | None = None,
    *,
    role: Role = Role.USER,
    is_active: bool = True,
    full_name: str | None = None,
    created_at: datetime = T0,
) -> User:
    user = User.register(
        username=username,
        email=email or f"{username.lower()}@example.com",
        password_hash="argon2-hash",
        full_name=full_name,
        now=created_at,
        role=role,
    )
    user.is_active = is_active
    return user


def make_session(user: User, now: datetime = T0) -> AuthSession:
    return AuthSession.start(
        user_id=user.id,
        now=now,
        idle_lifetime=timedelta(days=7),
        max_lifetime=timedelta(days=30),
        user_agent="pytest",
        ip="127.0.0.1",
    )


def make_task(
    owner: User,
    title: str = "Write the report",
    *,
    description: str | None = None,
    completed: bool = False,
    priority: Priority = Priority.MEDIUM,
    due_date: date | None = None,
    created_at: datetime = T0,
) -> Task:
    return Task.create(
        owner_id=owner.id,
        title=title,
        description=description,
        completed=completed,
        priority=priority,
        due_date=due_date,
        now=created_at,
    )


def make_post(
    author: User,
    title: str = "A first post",
    *,
    content: str = "Twenty characters at the very least.",
    published: bool = True,
    created_at: datetime = T0,
) -> Post:
    return Post.create(
        author_id=author.id, title=title, content=content, published=published, now=created_at
    )


def make_action_token(
    user: User,
    purpose: ActionPurpose = ActionPurpose.RESET_PASSWORD,
    *,
    token_hash: str | None = None,
    now: datetime = T0,
) -> ActionToken:
    return ActionToken.issue(
        token_hash=token_hash or uuid.uuid4().hex * 2,
        user_id=user.id,
        purpose=purpose,
        email=user.email,
        now=now,
    )


def make_totp_factor(
    user: User,
    *,
    sealed_secret: str = "v1.sealed-secret",  # noqa: S107 - no secret: a placeholder
    now: datetime = T0,
) -> TotpFactor:
    return TotpFactor.pending(user_id=user.id, sealed_secret=sealed_secret, now=now)


def make_recovery_code(
    user: User, *, code_hash: str | None = None, now: datetime = T0
) -> RecoveryCode:
    return RecoveryCode(
        user_id=user.id, code_hash=code_hash or uuid.uuid4().hex * 2, created_at=now
    )


def make_mfa_token(user: User, *, token_hash: str | None = None, now: datetime = T0) -> MfaToken:
    return MfaToken.issue(
        token_hash=token_hash or uuid.uuid4().hex * 2,
        user_id=user.id,
        token_version=user.token_version,
        now=now,
    )


def make_passkey(
    user: User,
    *,
    name: str = "Laptop",
    credential_id: bytes | None = None,
    sign_count: int = 0,
    now: datetime = T0,
) -> Passkey:
    return Passkey.register(
        user_id=user.id,
        credential_id=credential_id or uuid.uuid4().bytes * 2,
        public_key=b"\xa5\x01\x02\x03\x26" + uuid.uuid4().bytes,
        sign_count=sign_count,
        transports=("hybrid", "internal"),
        name=name,
        now=now,
    )


def make_challenge(
    user: User | None,
    purpose: ChallengePurpose = ChallengePurpose.AUTHENTICATION,
    *,
    challenge_hash: str | None = None,
    now: datetime = T0,
) -> WebAuthnChallenge:
    return WebAuthnChallenge.issue(
        challenge_hash=challenge_hash or uuid.uuid4().hex * 2,
        purpose=purpose,
        user_id=user.id if user is not None else None,
        now=now,
    )


def make_audit_event(
    event_type: AuditEventType = AuditEventType.LOGIN_SUCCEEDED,
    *,
    user_id: uuid.UUID | None = None,
    occurred_at: datetime = T0,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent(
        event_type=event_type,
        occurred_at=occurred_at,
        user_id=user_id,
        actor_id=user_id,
        ip="203.0.113.7",
        user_agent="pytest",
        details=details or {},
    )


def add_users(uow_factory: UnitOfWorkFactory, *users: User) -> None:
    with uow_factory() as uow:
        for user in users:
            uow.users.add(user)
        uow.commit()


def add_tasks(uow_factory: UnitOfWorkFactory, *tasks: Task) -> None:
    with uow_factory() as uow:
        for task in tasks:
            uow.tasks.add(task)
        uow.commit()


def add_posts(uow_factory: UnitOfWorkFactory, *posts: Post) -> None:
    with uow_factory() as uow:
        for post in posts:
            uow.posts.add(post)
        uow.commit()


def add_audit_events(uow_factory: UnitOfWorkFactory, *events: AuditEvent) -> None:
    with uow_factory() as uow:
        for event in events:
            uow.audit_events.add(event)
        uow.commit()


def run_concurrently(count: int, action: Callable[[threading.Barrier], T]) -> list[T]:
    """Run `action` in `count` threads at once and return every result (re-raising any error).

    Each call gets the same barrier of `count` parties, to wait on where the race should start.
    """
    barrier = threading.Barrier(count, timeout=30)
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(action, barrier) for _ in range(count)]
        return [future.result(timeout=60) for future in futures]
