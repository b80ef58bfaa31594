"""Posts as SQLAlchemy Core statements; reads join the author in, one query per call."""

import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import RowMapping

from application.pagination import PageKey
from application.ports.repositories import AuthoredPost, PostFilter
from domain.posts import Post
from infrastructure.persistence.sqlalchemy.mapping import post_from_row, post_values, user_from_row
from infrastructure.persistence.sqlalchemy.queries import (
    ConnectionAccess,
    contains_literal,
    folded,
    locked,
    newest_first,
    write,
)
from infrastructure.persistence.sqlalchemy.tables import posts, users

# One query: the author comes with the post (mapping reads each table's columns by object).
AUTHORED_POSTS = sa.select(posts, users).join_from(posts, users, posts.c.author_id == users.c.id)


class SqlAlchemyPostRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, post: Post) -> None:
        write(self._connection(), sa.insert(posts).values(post_values(post)))

    def get(self, post_id: uuid.UUID) -> AuthoredPost | None:
        statement = AUTHORED_POSTS.where(posts.c.id == post_id)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else _authored(row)

    def get_for_update(self, post_id: uuid.UUID) -> AuthoredPost | None:
        statement = locked(AUTHORED_POSTS.where(posts.c.id == post_id), posts)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else _authored(row)

    def update(self, post: Post) -> None:
        statement = sa.update(posts).where(posts.c.id == post.id).values(post_values(post))
        write(self._connection(), statement)

    def delete(self, post_id: uuid.UUID) -> None:
        self._connection().execute(sa.delete(posts).where(posts.c.id == post_id))

    def list(
        self, post_filter: PostFilter, *, limit: int, after: PageKey | None
    ) -> list[AuthoredPost]:
        statement = list_statement(post_filter, limit=limit, after=after)
        rows = self._connection().execute(statement).mappings()
        return [_authored(row) for row in rows]


def list_statement(post_filter: PostFilter, *, limit: int, after: PageKey | None) -> sa.Select[Any]:
    statement = AUTHORED_POSTS.where(*_conditions(post_filter))
    return newest_first(statement, posts, limit=limit, after=after)


def _authored(row: RowMapping) -> AuthoredPost:
    return AuthoredPost(post=post_from_row(row), author=user_from_row(row))


def _conditions(post_filter: PostFilter) -> Iterator[sa.ColumnElement[bool]]:
    if post_filter.author_id is not None:
        yield posts.c.author_id == post_filter.author_id
    if post_filter.published is not None:
        yield posts.c.published.is_(post_filter.published)
    if post_filter.search is not None:
        yield contains_literal(post_filter.search, folded(posts.c.title), folded(posts.c.content))
    if post_filter.author_active is not None:
        yield users.c.is_active.is_(post_filter.author_active)
