"""The permission rules, table-driven: role x ownership x published."""

import uuid
from datetime import UTC, datetime

import pytest

from domain.errors import AdminRequired, NotPostAuthor, PostNotFound, TaskNotFound
from domain.permissions import (
    ensure_admin,
    ensure_post_changeable,
    ensure_post_visible,
    ensure_task_visible,
)
from domain.posts import Post
from domain.tasks import Task
from domain.users import Role, User

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def user(role: Role = Role.USER, *, active: bool = True) -> User:
    person = User.register(
        username=f"u{uuid.uuid4().hex[:8]}",
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        password_hash="h",
        full_name=None,
        now=NOW,
        role=role,
    )
    person.is_active = active
    return person


def post_by(author: User, *, published: bool) -> Post:
    return Post.create(
        author_id=author.id,
        title="A title",
        content="Content long enough to be a post.",
        published=published,
        now=NOW,
    )


AUTHOR = "author"
OTHER_USER = "other user"
ADMIN = "admin"
ANONYMOUS = "anonymous"


def actor_for(kind: str, author: User) -> User | None:
    return {AUTHOR: author, OTHER_USER: user(), ADMIN: user(Role.ADMIN), ANONYMOUS: None}[kind]


@pytest.mark.parametrize(
    ("kind", "published", "outcome"),
    [
        (AUTHOR, True, "visible"),
        (AUTHOR, False, "visible"),
        (ADMIN, True, "visible"),
        (ADMIN, False, "visible"),
        (OTHER_USER, True, "visible"),
        (OTHER_USER, False, "missing"),
        (ANONYMOUS, True, "visible"),
        (ANONYMOUS, False, "missing"),
    ],
)
def test_who_sees_a_post(kind: str, published: bool, outcome: str) -> None:
    author = user()
    post = post_by(author, published=published)
    actor = actor_for(kind, author)
    if outcome == "visible":
        assert ensure_post_visible(actor, post) is post
    else:
        with pytest.raises(PostNotFound):
            ensure_post_visible(actor, post)


@pytest.mark.parametrize(
    ("kind", "published", "outcome"),
    [
        (AUTHOR, True, "allowed"),
        (AUTHOR, False, "allowed"),
        (ADMIN, True, "allowed"),
        (ADMIN, False, "allowed"),
        (OTHER_USER, True, "forbidden"),
        (OTHER_USER, False, "missing"),
    ],
)
def test_who_changes_a_post(kind: str, published: bool, outcome: str) -> None:
    author = user()
    post = post_by(author, published=published)
    actor = actor_for(kind, author)
    assert actor is not None
    if outcome == "allowed":
        assert ensure_post_changeable(actor, post) is post
    else:
        with pytest.raises(NotPostAuthor if outcome == "forbidden" else PostNotFound):
            ensure_post_changeable(actor, post)


@pytest.mark.parametrize(
    ("kind", "seen", "changed"),
    [
        (ADMIN, "visible", "allowed"),
        (OTHER_USER, "missing", "missing"),
        (ANONYMOUS, "missing", None),
    ],
)
def test_a_deactivated_authors_post_is_missing_except_for_admins(
    kind: str, seen: str, changed: str | None
) -> None:
    author = user(active=False)
    post = post_by(author, published=True)
    actor = actor_for(kind, author)
    if seen == "visible":
        assert ensure_post_visible(actor, post, author_active=False) is post
    else:
        with pytest.raises(PostNotFound):
            ensure_post_visible(actor, post, author_active=False)
    if actor is None:
        return
    if changed == "allowed":
        assert ensure_post_changeable(actor, post, author_active=False) is post
    else:
        with pytest.raises(PostNotFound):
            ensure_post_changeable(actor, post, author_active=False)


def test_an_inactive_admin_has_no_admin_powers() -> None:
    author = user()
    draft = post_by(author, published=False)
    with pytest.raises(PostNotFound):
        ensure_post_changeable(user(Role.ADMIN, active=False), draft)
    with pytest.raises(AdminRequired):
        ensure_admin(user(Role.ADMIN, active=False))


@pytest.mark.parametrize(("kind", "sees"), [(AUTHOR, True), (OTHER_USER, False), (ADMIN, False)])
def test_tasks_are_private_even_from_admins(kind: str, sees: bool) -> None:
    owner = user()
    task = Task.create(owner_id=owner.id, title="mine", now=NOW)
    actor = actor_for(kind, owner)
    assert actor is not None
    if sees:
        assert ensure_task_visible(actor, task) is task
    else:
        with pytest.raises(TaskNotFound):
            ensure_task_visible(actor, task)


def test_only_admins_pass_the_admin_check() -> None:
    ensure_admin(user(Role.ADMIN))
    with pytest.raises(AdminRequired):
        ensure_admin(user(Role.USER))
