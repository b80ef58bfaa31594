"""Read-modify-write under concurrency, on every adapter: a second writer of a row never undoes
what the first one changed, and a revocation, once stored, stays.

Each race holds the first writer's locked read open, starts the second writer in a thread, and
checks that the second cannot get past the lock until the first commits. On PostgreSQL the test
waits until the database itself reports the second connection blocked by the first; elsewhere
(one writing transaction at a time by design) it gives the second writer a moment to get through
the lock if it could. Then the first commits, and both changes must be in the stored row.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from application.ports.unit_of_work import UnitOfWork
from domain.tasks import Priority
from tests.adapters.builders import (
    T0,
    UnitOfWorkFactory,
    add_posts,
    add_tasks,
    add_users,
    make_post,
    make_session,
    make_task,
    make_user,
)
from tests.adapters.lock_races import race_against_held_lock

LATER = T0 + timedelta(minutes=5)


def test_two_writers_of_different_task_fields_both_keep_their_change(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = make_user()
    task = make_task(owner, priority=Priority.LOW)
    add_users(uow_factory, owner)
    add_tasks(uow_factory, task)

    def raise_priority(uow: UnitOfWork) -> Callable[[], None]:
        held = uow.tasks.get_for_update(owner.id, task.id)
        assert held is not None
        return lambda: uow.tasks.update(replace(held, priority=Priority.HIGH, updated_at=LATER))

    def complete(uow: UnitOfWork) -> None:
        current = uow.tasks.get_for_update(owner.id, task.id)
        assert current is not None
        uow.tasks.update(replace(current, completed=True, updated_at=LATER))

    race_against_held_lock(uow_factory, raise_priority, complete)

    with uow_factory() as uow:
        stored = uow.tasks.get(owner.id, task.id)
    assert stored is not None
    assert (stored.priority, stored.completed) == (Priority.HIGH, True)


def test_two_writers_of_different_post_fields_both_keep_their_change(
    uow_factory: UnitOfWorkFactory,
) -> None:
    author = make_user()
    post = make_post(author, published=False)
    add_users(uow_factory, author)
    add_posts(uow_factory, post)

    def publish(uow: UnitOfWork) -> Callable[[], None]:
        held = uow.posts.get_for_update(post.id)
        assert held is not None
        held.post.set_published(True, LATER)
        return lambda: uow.posts.update(held.post)

    def retitle(uow: UnitOfWork) -> None:
        current = uow.posts.get_for_update(post.id)
        assert current is not None
        uow.posts.update(replace(current.post, title="A better title"))

    race_against_held_lock(uow_factory, publish, retitle)

    with uow_factory() as uow:
        stored = uow.posts.get(post.id)
    assert stored is not None
    assert (stored.post.published, stored.post.title) == (True, "A better title")


def test_a_profile_edit_never_undoes_a_concurrent_password_change(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = make_user()
    add_users(uow_factory, user)

    def change_password(uow: UnitOfWork) -> Callable[[], None]:
        held = uow.users.get_for_update(user.id)
        assert held is not None
        held.change_password_hash("new-argon2-hash", LATER)
        return lambda: uow.users.update(held)

    def rename(uow: UnitOfWork) -> None:
        current = uow.users.get_for_update(user.id)
        assert current is not None
        current.change_full_name("Alice Liddell", LATER)
        uow.users.update(current)

    race_against_held_lock(uow_factory, change_password, rename)

    with uow_factory() as uow:
        stored = uow.users.get(user.id)
    assert stored is not None
    assert (stored.password_hash, stored.token_version, stored.full_name) == (
        "new-argon2-hash",
        user.token_version + 1,
        "Alice Liddell",
    )


def test_a_refresh_never_revives_a_session_revoked_meanwhile(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = make_user()
    session = make_session(user)
    add_users(uow_factory, user)
    with uow_factory() as uow:
        uow.sessions.add(session)
        uow.commit()

    def refresh(uow: UnitOfWork) -> Callable[[], None]:
        held = uow.sessions.get_for_update(session.id)
        assert held is not None
        held.touch(LATER, timedelta(days=7))
        return lambda: uow.sessions.update(held)

    def log_out_everywhere(uow: UnitOfWork) -> None:
        uow.sessions.revoke_all_for_user(user.id, LATER)

    race_against_held_lock(uow_factory, refresh, log_out_everywhere)

    with uow_factory() as uow:
        stored = uow.sessions.get(session.id)
    assert stored is not None
    assert stored.revoked_at == LATER
    assert stored.last_used_at == LATER


def test_writing_back_a_stale_session_keeps_its_revocation(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = make_user()
    session = make_session(user)
    add_users(uow_factory, user)
    with uow_factory() as uow:
        uow.sessions.add(session)
        uow.commit()
    with uow_factory() as uow:
        uow.sessions.revoke_all_for_user(user.id, LATER)
        uow.commit()

    with uow_factory() as uow:
        uow.sessions.update(session)  # read before the revocation: revoked_at is None
        uow.commit()

    with uow_factory() as uow:
        stored = uow.sessions.get(session.id)
    assert stored is not None
    assert stored.revoked_at == LATER


def test_writing_back_a_stale_user_never_lowers_the_token_version(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = make_user()
    add_users(uow_factory, user)
    with uow_factory() as uow:
        revoked = uow.users.get_for_update(user.id)
        assert revoked is not None
        revoked.revoke_tokens()
        uow.users.update(revoked)
        uow.commit()

    stale = replace(user, full_name="Stale Name")
    with uow_factory() as uow:
        uow.users.update(stale)
        uow.commit()

    with uow_factory() as uow:
        stored = uow.users.get(user.id)
    assert stored is not None
    assert (stored.token_version, stored.full_name) == (user.token_version + 1, "Stale Name")


def test_a_session_keeps_its_first_revocation_instant(uow_factory: UnitOfWorkFactory) -> None:
    user = make_user()
    session = make_session(user)
    add_users(uow_factory, user)
    with uow_factory() as uow:
        uow.sessions.add(replace(session, revoked_at=T0))
        uow.commit()
    with uow_factory() as uow:
        uow.sessions.update(replace(session, revoked_at=LATER + timedelta(hours=1)))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.sessions.get(session.id)
    assert stored is not None
    assert stored.revoked_at == T0
