"""Bodies of /posts."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from application.ports.repositories import AuthoredPost
from domain.posts import (
    POST_CONTENT_MAX_LENGTH,
    POST_CONTENT_MIN_LENGTH,
    POST_TITLE_MAX_LENGTH,
    POST_TITLE_MIN_LENGTH,
)
from interfaces.http.schemas.common import RequestBody, example
from interfaces.http.schemas.users import UserPublic

# As a task's title: the upper bound applies once trimmed, so the domain checks it.
TITLE_RULE = (
    f"{POST_TITLE_MIN_LENGTH} to {POST_TITLE_MAX_LENGTH} characters once trimmed; stored trimmed."
)
Title = Field(min_length=POST_TITLE_MIN_LENGTH, description=TITLE_RULE)
Content = Field(min_length=POST_CONTENT_MIN_LENGTH, max_length=POST_CONTENT_MAX_LENGTH)


class CreatePostRequest(RequestBody):
    model_config = example(
        {
            "title": "Hello, Tessera",
            "content": "My first post: short, but long enough to publish.",
            "published": True,
        }
    )

    title: str = Title
    content: str = Content
    published: bool = False


class UpdatePostRequest(RequestBody):
    model_config = example({"title": "Hello again, Tessera"})

    title: str | None = Field(
        default=None, min_length=POST_TITLE_MIN_LENGTH, description=TITLE_RULE
    )
    content: str | None = Field(
        default=None, min_length=POST_CONTENT_MIN_LENGTH, max_length=POST_CONTENT_MAX_LENGTH
    )
    published: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "UpdatePostRequest":
        self.reject_null("title", "content", "published")
        return self


class PostResponse(BaseModel):
    id: uuid.UUID
    title: str
    content: str
    published: bool
    author_id: uuid.UUID
    author: UserPublic
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, authored: AuthoredPost) -> "PostResponse":
        post = authored.post
        return cls(
            id=post.id,
            title=post.title,
            content=post.content,
            published=post.published,
            author_id=post.author_id,
            author=UserPublic.of(authored.author),
            created_at=post.created_at,
            updated_at=post.updated_at,
            published_at=post.published_at,
        )
