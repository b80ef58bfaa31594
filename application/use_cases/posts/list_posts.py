import uuid
from dataclasses import dataclass

from application.pagination import DEFAULT_PAGE_SIZE, Page, PageKey, decode_cursor, page_of
from application.ports.repositories import AuthoredPost, PostFilter
from application.ports.unit_of_work import UnitOfWork
from domain.users import User


def post_page_key(authored: AuthoredPost) -> PageKey:
    return PageKey(created_at=authored.post.created_at, id=authored.post.id)


@dataclass(frozen=True)
class ListPublishedPostsQuery:
    author_id: uuid.UUID | None = None
    search: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


@dataclass(frozen=True, kw_only=True)
class ListPublishedPosts:
    """Published posts of active authors, newest first, for anyone (signed in or not).

    A deactivated author's posts are left out, as their profile is, until they are reactivated.
    """

    uow: UnitOfWork

    def execute(self, query: ListPublishedPostsQuery) -> Page[AuthoredPost]:
        after = decode_cursor(query.cursor)
        post_filter = PostFilter(
            author_id=query.author_id, published=True, search=query.search, author_active=True
        )
        with self.uow.read_only() as uow:
            rows = uow.posts.list(post_filter, limit=query.limit + 1, after=after)
        return page_of(rows, query.limit, post_page_key)


@dataclass(frozen=True)
class ListMyPostsQuery:
    actor: User
    published: bool | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


@dataclass(frozen=True, kw_only=True)
class ListMyPosts:
    """The caller's own posts, drafts included, newest first."""

    uow: UnitOfWork

    def execute(self, query: ListMyPostsQuery) -> Page[AuthoredPost]:
        after = decode_cursor(query.cursor)
        post_filter = PostFilter(author_id=query.actor.id, published=query.published)
        with self.uow.read_only() as uow:
            rows = uow.posts.list(post_filter, limit=query.limit + 1, after=after)
        return page_of(rows, query.limit, post_page_key)
