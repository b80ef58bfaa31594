"""Posts: public once published, owned by their author."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.errors import InvalidField

POST_TITLE_MIN_LENGTH = 5
POST_TITLE_MAX_LENGTH = 100
POST_CONTENT_MIN_LENGTH = 20
POST_CONTENT_MAX_LENGTH = 50000


def validate_post_title(value: str) -> str:
    title = value.strip()
    if not POST_TITLE_MIN_LENGTH <= len(title) <= POST_TITLE_MAX_LENGTH:
        raise InvalidField(
            "title",
            f"Title must be {POST_TITLE_MIN_LENGTH} to {POST_TITLE_MAX_LENGTH} characters long.",
        )
    return title


def validate_post_content(value: str) -> str:
    if not POST_CONTENT_MIN_LENGTH <= len(value.strip()) <= POST_CONTENT_MAX_LENGTH:
        raise InvalidField(
            "content",
            f"Content must be {POST_CONTENT_MIN_LENGTH} to {POST_CONTENT_MAX_LENGTH} characters long.",
        )
    return value


@dataclass
class Post:
    id: uuid.UUID
    author_id: uuid.UUID
    title: str
    content: str
    published: bool
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @classmethod
    def create(
        cls, *, author_id: uuid.UUID, title: str, content: str, published: bool, now: datetime
    ) -> "Post":
        return cls(
            id=uuid.uuid4(),
            author_id=author_id,
            title=validate_post_title(title),
            content=validate_post_content(content),
            published=published,
            created_at=now,
            updated_at=now,
            published_at=now if published else None,
        )

    def set_published(self, published: bool, now: datetime) -> None:
        """`published_at` records the first publication; unpublishing keeps it."""
        self.published = published
        if published and self.published_at is None:
            self.published_at = now
