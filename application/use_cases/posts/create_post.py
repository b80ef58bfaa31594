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


class CreatePost:
    """A new post, authored by whoever writes it; a draft unless published at once."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def execute(self, command: CreatePostCommand) -> AuthoredPost:
        post = Post.create(
            author_id=command.actor.id,
            title=command.title,
            content=command.content,
            published=command.published,
            now=self._clock.now(),
        )
        with self._uow as uow:
            uow.posts.add(post)
            uow.commit()
        return AuthoredPost(post=post, author=command.actor)
