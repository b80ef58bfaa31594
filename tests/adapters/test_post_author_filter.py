"""PostFilter.author_active, on every adapter: the public list leaves out inactive authors."""

from datetime import timedelta

from application.ports.repositories import PostFilter
from tests.adapters.builders import (
    T0,
    UnitOfWorkFactory,
    add_posts,
    add_users,
    make_post,
    make_user,
)


def test_author_active_keeps_only_posts_whose_author_is_active(uow_factory: UnitOfWorkFactory):
    active, inactive = make_user("Alice"), make_user("Bob", is_active=False)
    add_users(uow_factory, active, inactive)
    alices = make_post(active, "By Alice")
    bobs = make_post(inactive, "By Bob", created_at=T0 + timedelta(hours=1))
    add_posts(uow_factory, alices, bobs)

    def titles(post_filter: PostFilter) -> list[str]:
        with uow_factory() as uow:
            rows = uow.posts.list(post_filter, limit=10, after=None)
        return [row.post.title for row in rows]

    assert titles(PostFilter()) == ["By Bob", "By Alice"]
    assert titles(PostFilter(author_active=True)) == ["By Alice"]
    assert titles(PostFilter(author_active=False)) == ["By Bob"]
    assert titles(PostFilter(author_id=inactive.id, author_active=True)) == []
