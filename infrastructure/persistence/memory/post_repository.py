"""Posts in memory, each handed back with its author as the SQL adapter's join does."""

import copy
import uuid

from application.pagination import PageKey
from application.ports.repositories import AuthoredPost, PostFilter
from domain.posts import Post
from infrastructure.persistence.memory.database import (
    Tables,
    TablesAccess,
    delete,
    insert,
    replace_row,
)
from infrastructure.persistence.memory.queries import contains_folded, newest_first


class MemoryPostRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, post: Post) -> None:
        insert(self._tables(), "posts", post.id, post)

    def get(self, post_id: uuid.UUID) -> AuthoredPost | None:
        tables = self._tables()
        post = tables.posts.get(post_id)
        return None if post is None else _authored(tables, post)

    def get_for_update(self, post_id: uuid.UUID) -> AuthoredPost | None:
        # The unit of work holds the store's lock: every row is as locked as it can be.
        return self.get(post_id)

    def update(self, post: Post) -> None:
        replace_row(self._tables(), "posts", post.id, post)

    def delete(self, post_id: uuid.UUID) -> None:
        delete(self._tables(), "posts", post_id)

    def list(
        self, post_filter: PostFilter, *, limit: int, after: PageKey | None
    ) -> list[AuthoredPost]:
        tables = self._tables()
        rows = (
            post
            for post in tables.posts.values()
            if _matches(post, post_filter) and _author_matches(tables, post, post_filter)
        )
        return [_authored(tables, post) for post in newest_first(rows, limit=limit, after=after)]


def _authored(tables: Tables, post: Post) -> AuthoredPost:
    # The foreign key guarantees the author: a user's deletion took their posts with it.
    author = tables.users[post.author_id]
    return AuthoredPost(post=copy.copy(post), author=copy.copy(author))


def _author_matches(tables: Tables, post: Post, post_filter: PostFilter) -> bool:
    active = post_filter.author_active
    return active is None or tables.users[post.author_id].is_active == active


def _matches(post: Post, post_filter: PostFilter) -> bool:
    if post_filter.author_id is not None and post.author_id != post_filter.author_id:
        return False
    if post_filter.published is not None and post.published != post_filter.published:
        return False
    return post_filter.search is None or contains_folded(
        post_filter.search, post.title, post.content
    )
