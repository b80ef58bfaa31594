"""The post repository's contract, run against every adapter: posts come with their author."""

import uuid
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from application.ports.repositories import AuthoredPost, PostFilter
from domain.posts import Post
from domain.users import User
from tests.adapters.builders import (
    KEY_VIOLATION,
    T0,
    UnitOfWorkFactory,
    add_posts,
    add_users,
    make_post,
    make_user,
)


@pytest.fixture
def alice(uow_factory: UnitOfWorkFactory) -> User:
    user = make_user("Alice", full_name="Alice Martin")
    add_users(uow_factory, user)
    return user


@pytest.fixture
def bob(uow_factory: UnitOfWorkFactory) -> User:
    user = make_user("Bob", created_at=T0 + timedelta(days=1))
    add_users(uow_factory, user)
    return user


def get_post(uow_factory: UnitOfWorkFactory, post_id: uuid.UUID) -> AuthoredPost | None:
    with uow_factory() as uow:
        return uow.posts.get(post_id)


def list_posts(uow_factory: UnitOfWorkFactory, post_filter: PostFilter) -> list[AuthoredPost]:
    with uow_factory() as uow:
        return uow.posts.list(post_filter, limit=100, after=None)


# --- adding and finding --------------------------------------------------------------------


def test_get_returns_each_post_with_its_own_author(uow_factory, alice, bob):
    alices, bobs = make_post(alice, "By Alice"), make_post(bob, "By Bob", published=False)
    add_posts(uow_factory, alices, bobs)

    assert get_post(uow_factory, alices.id) == AuthoredPost(post=alices, author=alice)
    assert get_post(uow_factory, bobs.id) == AuthoredPost(post=bobs, author=bob)
    assert get_post(uow_factory, uuid.uuid4()) is None


def test_instants_come_back_aware_in_utc_and_published_at_may_be_none(uow_factory, alice):
    kolkata = timezone(timedelta(hours=5, minutes=30))
    published = make_post(alice, created_at=datetime(2024, 2, 29, 23, 59, 59, 999999, kolkata))
    draft = make_post(alice, "A draft", published=False)
    add_posts(uow_factory, published, draft)

    found, found_draft = get_post(uow_factory, published.id), get_post(uow_factory, draft.id)

    assert found is not None
    assert found_draft is not None
    assert found.post == published
    assert found_draft.post.published_at is None
    instants = [found.post.created_at, found.post.updated_at, found.post.published_at]
    instants += [found.author.created_at, found_draft.post.created_at]
    assert all(instant is not None and instant.tzinfo is UTC for instant in instants)


def test_a_post_needs_an_existing_author(uow_factory):
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.posts.add(make_post(make_user("Ghost")))


def test_a_returned_post_and_author_are_copies(uow_factory, alice):
    post = make_post(alice)
    add_posts(uow_factory, post)

    with uow_factory() as uow:
        found = uow.posts.get(post.id)
        assert found is not None
        found.post.title = "Changed without update"
        found.author.full_name = "Changed without update"
        uow.commit()

    assert get_post(uow_factory, post.id) == AuthoredPost(post=post, author=alice)


# --- update and delete ---------------------------------------------------------------------


def test_update_stores_every_field_and_the_author_follows(uow_factory, alice, bob):
    post = make_post(alice, published=False)
    add_posts(uow_factory, post)
    changed = Post(
        id=post.id,
        author_id=bob.id,
        title="A new title",
        content="Entirely different content, long enough.",
        published=True,
        created_at=T0 - timedelta(days=1),
        updated_at=T0 + timedelta(days=3, microseconds=7),
        published_at=T0 + timedelta(days=2),
    )
    unchanged = [f.name for f in fields(Post) if getattr(changed, f.name) == getattr(post, f.name)]
    assert unchanged == ["id"]

    with uow_factory() as uow:
        uow.posts.update(changed)
        uow.commit()

    assert get_post(uow_factory, post.id) == AuthoredPost(post=changed, author=bob)


def test_updating_an_unknown_post_stores_nothing(uow_factory, alice):
    ghost = make_post(alice)

    with uow_factory() as uow:
        uow.posts.update(ghost)
        uow.commit()

    assert get_post(uow_factory, ghost.id) is None


def test_delete_removes_the_post_and_an_unknown_id_changes_nothing(uow_factory, alice):
    gone, kept = make_post(alice, "Gone away"), make_post(alice, "Still here")
    add_posts(uow_factory, gone, kept)

    with uow_factory() as uow:
        uow.posts.delete(gone.id)
        uow.posts.delete(uuid.uuid4())
        uow.commit()

    assert get_post(uow_factory, gone.id) is None
    assert get_post(uow_factory, kept.id) == AuthoredPost(post=kept, author=alice)


def test_deleting_a_user_deletes_their_posts_only(uow_factory, alice, bob):
    alices, bobs = make_post(alice), make_post(bob)
    add_posts(uow_factory, alices, bobs)

    with uow_factory() as uow:
        uow.users.delete(alice.id)
        uow.commit()

    assert get_post(uow_factory, alices.id) is None
    assert get_post(uow_factory, bobs.id) == AuthoredPost(post=bobs, author=bob)
    assert [authored.post for authored in list_posts(uow_factory, PostFilter())] == [bobs]


# --- lists ---------------------------------------------------------------------------------


def add_filterable_posts(uow_factory: UnitOfWorkFactory, alice: User, bob: User) -> None:
    """Oldest first; a post's title says who wrote it and whether it is published."""
    posts = [
        make_post(alice, "Alice public", content="About GARDENS and trees, at length."),
        make_post(alice, "Alice draft", published=False),
        make_post(bob, "Bob public", content="A long text about the garden shed."),
        make_post(bob, "Bob draft on gardens", published=False),
    ]
    add_posts(
        uow_factory,
        *(replace(post, created_at=T0 + timedelta(seconds=i)) for i, post in enumerate(posts)),
    )


@pytest.mark.parametrize(
    ("make_filter", "expected"),
    [
        (
            lambda alice, bob: PostFilter(),
            ["Bob draft on gardens", "Bob public", "Alice draft", "Alice public"],
        ),
        (lambda alice, bob: PostFilter(published=True), ["Bob public", "Alice public"]),
        (lambda alice, bob: PostFilter(published=False), ["Bob draft on gardens", "Alice draft"]),
        (lambda alice, bob: PostFilter(author_id=alice.id), ["Alice draft", "Alice public"]),
        (lambda alice, bob: PostFilter(author_id=bob.id, published=True), ["Bob public"]),
        (lambda alice, bob: PostFilter(author_id=uuid.uuid4()), []),
        # Title or content, any case.
        (
            lambda alice, bob: PostFilter(search="garden"),
            ["Bob draft on gardens", "Bob public", "Alice public"],
        ),
        (lambda alice, bob: PostFilter(search="GARDENS", published=True), ["Alice public"]),
        (lambda alice, bob: PostFilter(search="shed", author_id=alice.id), []),
    ],
)
def test_list_filters_and_each_post_comes_with_its_author(
    uow_factory, alice, bob, make_filter, expected
):
    add_filterable_posts(uow_factory, alice, bob)

    found = list_posts(uow_factory, make_filter(alice, bob))

    assert [authored.post.title for authored in found] == expected
    authors = {alice.id: alice, bob.id: bob}
    assert all(authored.author == authors[authored.post.author_id] for authored in found)


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("%", ["Growth of 100% a year"]),
        ("0% a", ["Growth of 100% a year"]),
        ("_", ["Naming things"]),
        ("x_y", ["Naming things"]),
        ("1%r", []),
        ("x_z", []),
        ("ÉTÉ", ["Notes from l'été"]),
        ("/", ["either/or"]),  # the LIKE escape character, itself literal
        ("/%", []),
    ],
)
def test_search_is_a_case_insensitive_literal_substring(uow_factory, alice, search, expected):
    add_posts(
        uow_factory,
        make_post(alice, "Growth of 100% a year"),
        make_post(
            alice,
            "Naming things",
            content="Call it x_y, never xyz, for clarity.",
            created_at=T0 + timedelta(seconds=1),
        ),
        make_post(alice, "Notes from l'été", created_at=T0 + timedelta(seconds=2)),
        make_post(alice, "either/or", created_at=T0 - timedelta(seconds=1)),
    )

    found = list_posts(uow_factory, PostFilter(search=search))

    assert [authored.post.title for authored in found] == expected
