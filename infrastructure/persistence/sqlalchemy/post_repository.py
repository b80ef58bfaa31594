"""Posts as SQLAlchemy Core statements; reads join the author in, one query per call."""

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa

from application.pagination import PageKey
from application.ports.repositories import AuthoredPost, PostFilter
from domain.posts import Post
from domain.users import User
from infrastructure.persistence.sqlalchemy.mapping import (
    POST_COLUMNS,
    USER_COLUMNS,
    post_from_values,
    post_values,
    user_from_values,
)
from infrastructure.persistence.sqlalchemy.queries import (
    ConnectionAccess,
    contains_bound,
    folded,
    key_parameters,
    like_pattern,
    locked,
    newest_first_bound,
    write,
)
from infrastructure.persistence.sqlalchemy.tables import posts, users

# One query: the author comes with the post, mapped by position (see _authored).
AUTHORED_POSTS = sa.select(*POST_COLUMNS, *USER_COLUMNS).join_from(
    posts, users, posts.c.author_id == users.c.id
)
_AUTHOR_AT = len(POST_COLUMNS)


class SqlAlchemyPostRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, post: Post) -> None:
        write(self._connection(), sa.insert(posts).values(post_values(post)))

    def get(self, post_id: uuid.UUID) -> AuthoredPost | None:
        statement = AUTHORED_POSTS.where(posts.c.id == post_id)
        row = self._connection().execute(statement).first()
        return None if row is None else _authored(row)

    def get_for_update(self, post_id: uuid.UUID) -> AuthoredPost | None:
        statement = locked(AUTHORED_POSTS.where(posts.c.id == post_id), posts)
        row = self._connection().execute(statement).first()
        return None if row is None else _authored(row)

    def update(self, post: Post) -> None:
        statement = sa.update(posts).where(posts.c.id == post.id).values(post_values(post))
        write(self._connection(), statement)

    def delete(self, post_id: uuid.UUID) -> None:
        self._connection().execute(sa.delete(posts).where(posts.c.id == post_id))

    def list(
        self, post_filter: PostFilter, *, limit: int, after: PageKey | None
    ) -> list[AuthoredPost]:
        statement, parameters = list_query(post_filter, limit=limit, after=after)
        rows = self._connection().execute(statement, parameters).fetchall()
        authors: dict[uuid.UUID, User] = {}  # a page often holds several posts of one author
        return [_authored(row, authors) for row in rows]


def list_query(
    post_filter: PostFilter, *, limit: int, after: PageKey | None
) -> tuple[sa.Select[Any], dict[str, Any]]:
    """The list's statement, built once for each combination of filters, and its values."""
    statement = _list_statement(
        post_filter.author_id is not None,
        post_filter.published is not None,
        post_filter.search is not None,
        post_filter.author_active is not None,
        after is not None,
    )
    parameters = key_parameters(limit, after)
    if post_filter.author_id is not None:
        parameters["author_id"] = post_filter.author_id
    if post_filter.published is not None:
        parameters["published"] = post_filter.published
    if post_filter.search is not None:
        parameters["search"] = like_pattern(post_filter.search)
    if post_filter.author_active is not None:
        parameters["author_active"] = post_filter.author_active
    return statement, parameters


@cache
def _list_statement(
    author_id: bool, published: bool, search: bool, author_active: bool, after: bool
) -> sa.Select[Any]:
    statement = AUTHORED_POSTS
    if author_id:
        statement = statement.where(posts.c.author_id == sa.bindparam("author_id"))
    if published:
        statement = statement.where(posts.c.published == sa.bindparam("published"))
    if search:
        statement = statement.where(
            contains_bound("search", folded(posts.c.title), folded(posts.c.content))
        )
    if author_active:
        statement = statement.where(users.c.is_active == sa.bindparam("author_active"))
    return newest_first_bound(statement, posts, after=after)


def _authored(row: Sequence[Any], authors: dict[uuid.UUID, User] | None = None) -> AuthoredPost:
    """A post and its author from a row of AUTHORED_POSTS; `authors` keeps the authors already
    mapped, by id."""
    post = post_from_values(row[:_AUTHOR_AT])
    if authors is None:
        return AuthoredPost(post=post, author=user_from_values(row[_AUTHOR_AT:]))
    author = authors.get(post.author_id)
    if author is None:
        author = authors[post.author_id] = user_from_values(row[_AUTHOR_AT:])
    return AuthoredPost(post=post, author=author)
