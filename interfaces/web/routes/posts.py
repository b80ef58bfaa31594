"""Posts: read one (anyone, when published); write, edit, publish, unpublish and delete one's own;
list one's own, drafts included.

Every access rule is the use cases' (the API's): someone else's draft is missing (404), someone
else's published post may be read but not changed (403), an admin may change any post.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from application.ports.repositories import AuthoredPost
from application.use_cases.posts.create_post import CreatePostCommand
from application.use_cases.posts.delete_post import DeletePostCommand
from application.use_cases.posts.get_post import PostReference
from application.use_cases.posts.list_posts import ListMyPostsQuery
from application.use_cases.posts.update_own_post import UpdateOwnPostCommand
from domain.errors import DomainError, PostNotFound
from domain.permissions import can_change_post, ensure_post_changeable
from domain.posts import POST_CONTENT_MAX_LENGTH, POST_TITLE_MAX_LENGTH
from domain.users import User
from interfaces.web.dependencies import (
    ContainerDep,
    Form,
    OptionalVisit,
    PagesDep,
    Visit,
    in_worker,
)
from interfaces.web.forms import field_errors
from interfaces.web.pages import see_other

router = APIRouter(prefix="/posts")

PAGE_SIZE = 10

# The "My posts" filter: its query value → the ListMyPosts `published` argument.
SHOWN: dict[str, bool | None] = {"all": None, "drafts": False, "published": True}

# What the form's limits say, from the domain's own rules (the use cases enforce them).
LIMITS = {"title_max": POST_TITLE_MAX_LENGTH, "content_max": POST_CONTENT_MAX_LENGTH}


def post_url(post_id: uuid.UUID, notice: str | None = None) -> str:
    return f"/app/posts/{post_id}" + (f"?notice={notice}" if notice else "")


def parse_post_id(text: str) -> uuid.UUID:
    """A path that names no post is a missing post (the 404 page), not a malformed request."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise PostNotFound() from None


async def read_post(
    request: Request, container: ContainerDep, actor: User | None, post_id: str
) -> AuthoredPost:
    reference = PostReference(actor=actor, post_id=parse_post_id(post_id))
    get_post = container.get_post()
    return await in_worker(request, lambda: get_post.execute(reference))


async def changeable_post(
    request: Request, container: ContainerDep, actor: User, post_id: str
) -> AuthoredPost:
    """The post, for a page that changes it (the edit form, the delete question): the domain's
    own rule answers 404 or 403 here already, as the use case will when the form is sent."""
    authored = await read_post(request, container, actor, post_id)
    ensure_post_changeable(actor, authored.post, author_active=authored.author.is_active)
    return authored


def form_input(form: dict[str, str]) -> dict[str, str]:
    """What a post form shows again: its text fields as typed."""
    return {"title": form.get("title", ""), "content": form.get("content", "")}


@router.get("/new")
async def new_post_page(request: Request, visit: Visit, pages: PagesDep) -> Response:
    context: dict[str, object] = {"post_id": None, "form": {}, "errors": {}, **LIMITS}
    return pages.render(request, "post_form.html", context, user=visit.user)


@router.post("/new")
async def create_post(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    # Two submit buttons: "Publish" sends publish=yes; "Save as draft" (the default) sends none.
    publish = form.get("publish") == "yes"
    command = CreatePostCommand(
        actor=visit.user,
        title=form.get("title", ""),
        content=form.get("content", ""),
        published=publish,
    )
    create = container.create_post()
    try:
        authored = await in_worker(request, lambda: create.execute(command))
    except DomainError as error:
        return _invalid(request, pages, visit.user, error, None, form)
    return see_other(
        post_url(authored.post.id, "post_published" if publish else "post_draft_saved")
    )


@router.get("/mine")
async def my_posts(
    request: Request,
    visit: Visit,
    pages: PagesDep,
    container: ContainerDep,
    show: Annotated[str, Query(max_length=20)] = "all",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    shown = show if show in SHOWN else "all"
    query = ListMyPostsQuery(
        actor=visit.user, published=SHOWN[shown], limit=PAGE_SIZE, cursor=cursor
    )
    list_posts = container.list_my_posts()
    page = await in_worker(request, lambda: list_posts.execute(query))
    context = {"page": page, "shown": shown, "filters": list(SHOWN)}
    return pages.render(request, "posts_mine.html", context, user=visit.user)


@router.get("/{post_id}")
async def post_page(
    request: Request, post_id: str, visit: OptionalVisit, pages: PagesDep, container: ContainerDep
) -> Response:
    actor = visit.user if visit else None
    authored = await read_post(request, container, actor, post_id)
    # Only to decide which controls to show; the use cases decide what a control may do.
    may_change = actor is not None and can_change_post(actor, authored.post)
    context = {"post": authored.post, "author": authored.author, "may_change": may_change}
    return pages.render(request, "post.html", context, user=actor)


@router.get("/{post_id}/edit")
async def edit_post_page(
    request: Request, post_id: str, visit: Visit, pages: PagesDep, container: ContainerDep
) -> Response:
    authored = await changeable_post(request, container, visit.user, post_id)
    post = authored.post
    context = {
        "post_id": post.id,
        "form": {"title": post.title, "content": post.content},
        "errors": {},
        **LIMITS,
    }
    return pages.render(request, "post_form.html", context, user=visit.user)


@router.post("/{post_id}/edit")
async def edit_post(
    request: Request,
    post_id: str,
    visit: Visit,
    form: Form,
    pages: PagesDep,
    container: ContainerDep,
) -> Response:
    command = UpdateOwnPostCommand(
        actor=visit.user,
        post_id=parse_post_id(post_id),
        title=form.get("title", ""),
        content=form.get("content", ""),
    )
    try:
        await _update(request, container, command)
    except DomainError as error:
        return _invalid(request, pages, visit.user, error, command.post_id, form)
    return see_other(post_url(command.post_id, "post_updated"))


@router.post("/{post_id}/publish")
async def publish_post(
    request: Request, post_id: str, visit: Visit, form: Form, container: ContainerDep
) -> Response:
    return await _set_published(request, container, visit.user, post_id, True)


@router.post("/{post_id}/unpublish")
async def unpublish_post(
    request: Request, post_id: str, visit: Visit, form: Form, container: ContainerDep
) -> Response:
    return await _set_published(request, container, visit.user, post_id, False)


@router.get("/{post_id}/delete")
async def delete_post_page(
    request: Request, post_id: str, visit: Visit, pages: PagesDep, container: ContainerDep
) -> Response:
    # Without JavaScript there is no confirm dialog: a page asks before a post is gone for good.
    authored = await changeable_post(request, container, visit.user, post_id)
    return pages.render(request, "post_delete.html", {"post": authored.post}, user=visit.user)


@router.post("/{post_id}/delete")
async def delete_post(
    request: Request, post_id: str, visit: Visit, form: Form, container: ContainerDep
) -> Response:
    command = DeletePostCommand(actor=visit.user, post_id=parse_post_id(post_id))
    delete = container.delete_post()
    await in_worker(request, lambda: delete.execute(command))
    return see_other("/app/posts/mine?notice=post_deleted")


async def _set_published(
    request: Request, container: ContainerDep, actor: User, post_id: str, published: bool
) -> Response:
    command = UpdateOwnPostCommand(actor=actor, post_id=parse_post_id(post_id), published=published)
    await _update(request, container, command)
    return see_other(
        post_url(command.post_id, "post_published" if published else "post_unpublished")
    )


async def _update(request: Request, container: ContainerDep, command: UpdateOwnPostCommand) -> None:
    update = container.update_own_post()
    await in_worker(request, lambda: update.execute(command))


def _invalid(
    request: Request,
    pages: PagesDep,
    user: User,
    error: DomainError,
    post_id: uuid.UUID | None,
    form: dict[str, str],
) -> Response:
    """The form again (422) with what was typed and the message next to its field; an error that
    is about no field (403, 404) becomes its page."""
    errors = field_errors(error)
    if errors is None:
        raise error
    context = {
        "post_id": post_id,
        "form": form_input(form),
        "errors": errors,
        **LIMITS,
    }
    return pages.render(request, "post_form.html", context, user=user, status_code=422)
