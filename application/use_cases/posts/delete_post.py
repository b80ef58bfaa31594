import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.ports.unit_of_work import UnitOfWork
from domain.errors import PostNotFound
from domain.permissions import ensure_post_changeable
from domain.users import User


@dataclass(frozen=True)
class DeletePostCommand:
    actor: User
    post_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class DeletePost:
    """Delete a post: its author or an admin (404 for a draft one may not see, else 403)."""

    uow: UnitOfWork
    audit: AuditTrail

    def execute(self, command: DeletePostCommand) -> None:
        with self.audit.refusals(command.actor.id), self.uow as uow:
            authored = uow.posts.get_for_update(command.post_id)
            if authored is None:
                raise PostNotFound()
            ensure_post_changeable(
                command.actor, authored.post, author_active=authored.author.is_active
            )
            uow.posts.delete(command.post_id)
            uow.commit()
