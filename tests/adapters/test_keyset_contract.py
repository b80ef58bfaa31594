"""Every list (users, tasks, posts, audit events) is newest first by (instant, id) and pages
strictly after a key, on every adapter: one contract, run for each collection. The instant is
created_at, or an audit event's occurred_at (which PageKey.created_at then carries)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from application.pagination import PageKey
from application.ports.repositories import AuditFilter, PostFilter, TaskFilter, UserFilter
from application.ports.unit_of_work import UnitOfWork
from domain.users import User
from tests.adapters.builders import (
    T0,
    UnitOfWorkFactory,
    add_users,
    make_audit_event,
    make_post,
    make_task,
    make_user,
)


@dataclass(frozen=True)
class Collection:
    """How to add an item created at an instant, and how to list one page of keys."""

    add: Callable[[UnitOfWork, User, datetime], PageKey]
    page: Callable[[UnitOfWork, User, int, PageKey | None], list[PageKey]]


def add_user(uow: UnitOfWork, owner: User, created_at: datetime) -> PageKey:
    user = make_user(f"item-{uuid.uuid4().hex[:8]}", created_at=created_at)
    uow.users.add(user)
    return PageKey(created_at=user.created_at, id=user.id)


def add_task(uow: UnitOfWork, owner: User, created_at: datetime) -> PageKey:
    task = make_task(owner, created_at=created_at)
    uow.tasks.add(task)
    return PageKey(created_at=task.created_at, id=task.id)


def add_post(uow: UnitOfWork, owner: User, created_at: datetime) -> PageKey:
    post = make_post(owner, created_at=created_at)
    uow.posts.add(post)
    return PageKey(created_at=post.created_at, id=post.id)


def add_audit_event(uow: UnitOfWork, owner: User, occurred_at: datetime) -> PageKey:
    event = make_audit_event(occurred_at=occurred_at)
    uow.audit_events.add(event)
    return PageKey(created_at=event.occurred_at, id=event.id)


COLLECTIONS = {
    # The owner is not an "item", so searching for items leaves them out of the user list.
    "users": Collection(
        add=add_user,
        page=lambda uow, owner, limit, after: [
            PageKey(created_at=user.created_at, id=user.id)
            for user in uow.users.list(UserFilter(search="item-"), limit=limit, after=after)
        ],
    ),
    "tasks": Collection(
        add=add_task,
        page=lambda uow, owner, limit, after: [
            PageKey(created_at=task.created_at, id=task.id)
            for task in uow.tasks.list(owner.id, TaskFilter(), limit=limit, after=after)
        ],
    ),
    "posts": Collection(
        add=add_post,
        page=lambda uow, owner, limit, after: [
            PageKey(created_at=authored.post.created_at, id=authored.post.id)
            for authored in uow.posts.list(PostFilter(), limit=limit, after=after)
        ],
    ),
    "audit_events": Collection(
        add=add_audit_event,
        page=lambda uow, owner, limit, after: [
            PageKey(created_at=event.occurred_at, id=event.id)
            for event in uow.audit_events.list(AuditFilter(), limit=limit, after=after)
        ],
    ),
}


@dataclass
class Listing:
    uow_factory: UnitOfWorkFactory
    collection: Collection
    owner: User

    def add(self, *instants: datetime) -> list[PageKey]:
        with self.uow_factory() as uow:
            keys = [self.collection.add(uow, self.owner, instant) for instant in instants]
            uow.commit()
        return keys

    def page(self, *, limit: int = 100, after: PageKey | None = None) -> list[PageKey]:
        with self.uow_factory() as uow:
            return self.collection.page(uow, self.owner, limit, after)


@pytest.fixture(params=list(COLLECTIONS))
def listing(request: pytest.FixtureRequest, uow_factory: UnitOfWorkFactory) -> Listing:
    owner = make_user("owner")
    add_users(uow_factory, owner)
    return Listing(uow_factory, COLLECTIONS[request.param], owner)


def newest_first(keys: list[PageKey]) -> list[PageKey]:
    """The expected order, worked out independently of any adapter."""
    return sorted(keys, key=lambda key: (key.created_at, key.id), reverse=True)


def test_a_list_is_newest_first_and_ties_are_broken_by_id_descending(listing):
    later = T0 + timedelta(hours=1)
    keys = listing.add(later, T0, T0 + timedelta(hours=2), later, later)

    found = listing.page()

    assert found == newest_first(keys)
    assert [key.created_at for key in found] == [T0 + timedelta(hours=2), later, later, later, T0]


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_pages_follow_each_other_strictly_after_the_key_and_honour_the_limit(listing, limit):
    # Pairs of equal instants, so that page boundaries fall inside ties and between them.
    keys = listing.add(*(T0 + timedelta(minutes=i // 2) for i in range(7)))

    pages: list[list[PageKey]] = []
    after: PageKey | None = None
    for _ in range(len(keys) + 1):  # bounded: an adapter that repeats a key must fail, not hang
        page = listing.page(limit=limit, after=after)
        if not page:
            break
        pages.append(page)
        after = page[-1]

    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit
    assert [key for page in pages for key in page] == newest_first(keys)


def test_a_key_inside_a_tie_continues_with_the_rest_of_the_tie(listing):
    first, second = newest_first(listing.add(T0, T0))
    older = listing.add(T0 - timedelta(microseconds=1))

    assert listing.page(after=first) == [second, *older]
    assert listing.page(after=second) == older


def test_a_page_key_in_another_time_zone_means_the_same_instant(listing):
    older, newer = listing.add(T0, T0 + timedelta(seconds=1))
    elsewhere = timezone(timedelta(hours=-5))

    key = PageKey(created_at=newer.created_at.astimezone(elsewhere), id=newer.id)

    assert listing.page(after=key) == [older]


def test_a_key_need_not_name_an_existing_item(listing):
    # A key is only a position: the row it came from may have been deleted since.
    older, newer = listing.add(T0, T0 + timedelta(seconds=2))
    gone = PageKey(created_at=T0 + timedelta(seconds=1), id=uuid.uuid4())

    assert listing.page(after=gone) == [older]
    assert listing.page(limit=1) == [newer]
