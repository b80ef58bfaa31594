from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.repositories import AuthoredPost
from application.ports.unit_of_work import UnitOfWork
from domain.posts import Post
from domain.users import User


@dataclass(frozen=True)
class CreatePostCommand:
    actor: User
    title: str
    content: str
    published: bool = False


@dataclass(frozen=True, kw_only=True)
class CreatePost:
    """A new post, authored by whoever writes it; a draft unless published at once."""

    uow: UnitOfWork
    clock: Clock

    def execute(self, command: CreatePostCommand) -> AuthoredPost:
        post = Post.create(
            author_id=command.actor.id,
            title=command.title,
            content=command.content,
            published=command.published,
            now=self.clock.now(),
        )
        with self.uow as uow:
            uow.posts.add(post)
            uow.commit()
        return AuthoredPost(post=post, author=command.actor)
