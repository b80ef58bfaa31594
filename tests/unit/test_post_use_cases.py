from datetime import timedelta

import pytest

from application.ports.repositories import AuthoredPost
from application.use_cases.posts.create_post import CreatePostCommand
from application.use_cases.posts.delete_post import DeletePostCommand
from application.use_cases.posts.get_post import PostReference
from application.use_cases.posts.list_posts import (
    ListMyPostsQuery,
    ListPublishedPostsQuery,
)
from application.use_cases.posts.update_own_post import UpdateOwnPostCommand
from domain.errors import InvalidField, NotPostAuthor, PostNotFound
from domain.users import User
from tests.unit.builders import create_admin, register
from tests.unit.conftest import World

CONTENT = "Some content that is long enough."


def new_post(
    world: World, author: User, title: str = "Hello world", *, published: bool = False
) -> AuthoredPost:
    world.clock.advance(timedelta(seconds=1))
    return world.container.create_post().execute(
        CreatePostCommand(actor=author, title=title, content=CONTENT, published=published)
    )


def update(world: World, actor: User, post: AuthoredPost, **changes: object) -> AuthoredPost:
    command = UpdateOwnPostCommand(actor=actor, post_id=post.post.id, **changes)  # type: ignore[arg-type]
    return world.container.update_own_post().execute(command)


def test_a_draft_is_seen_only_by_its_author_and_admins(world: World) -> None:
    author, reader = register(world, "alice"), register(world, "bob")
    admin = create_admin(world)
    draft = new_post(world, author)
    assert draft.post.published_at is None
    for actor in (author, admin):
        assert (
            world.container.get_post().execute(PostReference(actor, draft.post.id)).post
            == draft.post
        )
    for stranger in (reader, None):
        with pytest.raises(PostNotFound):
            world.container.get_post().execute(PostReference(stranger, draft.post.id))


def test_publishing_sets_published_at_once(world: World) -> None:
    author = register(world)
    draft = new_post(world, author)
    world.clock.advance(timedelta(hours=1))
    published = update(world, author, draft, published=True)
    first_published_at = published.post.published_at
    assert first_published_at == world.clock.now()
    world.clock.advance(timedelta(hours=1))
    update(world, author, draft, published=False)
    republished = update(world, author, draft, published=True)
    assert republished.post.published_at == first_published_at


def test_update_own_post_checks_the_author_itself(world: World) -> None:
    author, intruder = register(world, "alice"), register(world, "mallory")
    public = new_post(world, author, published=True)
    draft = new_post(world, author)
    with pytest.raises(NotPostAuthor):
        update(world, intruder, public, title="Hijacked!")
    with pytest.raises(PostNotFound):
        update(world, intruder, draft, title="Hijacked!")
    with pytest.raises(NotPostAuthor):
        world.container.delete_post().execute(DeletePostCommand(intruder, public.post.id))
    assert world.container.get_post().execute(PostReference(None, public.post.id)) == public


def test_an_admin_may_change_and_delete_any_post(world: World) -> None:
    author = register(world)
    admin = create_admin(world)
    post = new_post(world, author, published=True)
    changed = update(world, admin, post, title="Moderated title")
    assert (changed.post.title, changed.author.id) == ("Moderated title", author.id)
    world.container.delete_post().execute(DeletePostCommand(admin, post.post.id))
    with pytest.raises(PostNotFound):
        world.container.get_post().execute(PostReference(admin, post.post.id))


@pytest.mark.parametrize(("field", "value"), [("title", "abc"), ("content", "too short")])
def test_field_rules(world: World, field: str, value: str) -> None:
    author = register(world)
    post = new_post(world, author)
    with pytest.raises(InvalidField):
        update(world, author, post, **{field: value})


def test_lists(world: World) -> None:
    alice, bob = register(world, "alice"), register(world, "bob")
    new_post(world, alice, "Alice public", published=True)
    new_post(world, alice, "Alice draft")
    new_post(world, bob, "Bob public", published=True)
    published = world.container.list_published_posts().execute(ListPublishedPostsQuery())
    assert [p.post.title for p in published.items] == ["Bob public", "Alice public"]
    assert [p.author.username for p in published.items] == ["bob", "alice"]
    by_alice = world.container.list_published_posts().execute(
        ListPublishedPostsQuery(author_id=alice.id)
    )
    assert [p.post.title for p in by_alice.items] == ["Alice public"]
    mine = world.container.list_my_posts().execute(ListMyPostsQuery(actor=alice))
    assert [p.post.title for p in mine.items] == ["Alice draft", "Alice public"]
    drafts = world.container.list_my_posts().execute(ListMyPostsQuery(actor=alice, published=False))
    assert [p.post.title for p in drafts.items] == ["Alice draft"]
    found = world.container.list_published_posts().execute(ListPublishedPostsQuery(search="BOB"))
    assert [p.post.title for p in found.items] == ["Bob public"]


def test_an_inactive_authors_posts_are_missing_except_for_admins(world: World) -> None:
    author, reader = register(world, "alice"), register(world, "bob")
    admin = create_admin(world)
    post = new_post(world, author, published=True)
    author.is_active = False
    with world.uow() as uow:
        uow.users.update(author)
        uow.commit()

    for actor in (None, reader):
        with pytest.raises(PostNotFound):
            world.container.get_post().execute(PostReference(actor=actor, post_id=post.post.id))
    seen_by_admin = world.container.get_post().execute(
        PostReference(actor=admin, post_id=post.post.id)
    )
    assert seen_by_admin.post.id == post.post.id
    listed = world.container.list_published_posts().execute(ListPublishedPostsQuery())
    assert listed.items == []
