import uuid
from dataclasses import dataclass

from application.ports.repositories import AuthoredPost
from application.ports.unit_of_work import UnitOfWork
from domain.errors import PostNotFound
from domain.permissions import ensure_post_visible
from domain.users import User


@dataclass(frozen=True)
class PostReference:
    actor: User | None
    """None for an anonymous reader."""
    post_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class GetPost:
    """One post: a published one for anyone, a draft only for its author and admins.

    A post whose author is deactivated is hidden like a draft, until they are reactivated. A post
    the caller may not see is missing (404), as one that never existed."""

    uow: UnitOfWork

    def execute(self, reference: PostReference) -> AuthoredPost:
        with self.uow.read_only() as uow:
            authored = uow.posts.get(reference.post_id)
        if authored is None:
            raise PostNotFound()
        ensure_post_visible(reference.actor, authored.post, author_active=authored.author.is_active)
        return authored
