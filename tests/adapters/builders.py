"""Test data for the adapter tests."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from application.ports.unit_of_work import UnitOfWork
from domain.posts import Post
from domain.sessions import AuthSession
from domain.tasks import Priority, Task
from domain.users import Role, User
from infrastructure.persistence.memory import ConstraintViolation

UnitOfWorkFactory = Callable[[], UnitOfWork]

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
