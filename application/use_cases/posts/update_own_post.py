import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.ports.clock import Clock
from application.ports.repositories import AuthoredPost
from application.ports.unit_of_work import UnitOfWork
from application.unset import UNSET, Unset
from domain.errors import PostNotFound
from domain.permissions import ensure_post_changeable
from domain.posts import validate_post_content, validate_post_title
from domain.users import User


@dataclass(frozen=True)
class UpdateOwnPostCommand:
    actor: User
    post_id: uuid.UUID
    title: str | Unset = UNSET
    content: str | Unset = UNSET
    published: bool | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class UpdateOwnPost:
    """Change a post: only its author or an admin may.

    Rules: someone else's draft is missing (404); someone else's published post is forbidden (403).
    The check is made here, on the post as stored, so no caller can skip it.
    """

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail

    def execute(self, command: UpdateOwnPostCommand) -> AuthoredPost:
        now = self.clock.now()
        with self.audit.refusals(command.actor.id), self.uow as uow:
            authored = uow.posts.get_for_update(command.post_id)
            if authored is None:
                raise PostNotFound()
            post = ensure_post_changeable(
                command.actor, authored.post, author_active=authored.author.is_active
            )
            if not isinstance(command.title, Unset):
                post.title = validate_post_title(command.title)
            if not isinstance(command.content, Unset):
                post.content = validate_post_content(command.content)
            if not isinstance(command.published, Unset):
                post.set_published(command.published, now)
            post.updated_at = now
            uow.posts.update(post)
            uow.commit()
        return AuthoredPost(post=post, author=authored.author)
