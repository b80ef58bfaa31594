import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from starlette.concurrency import run_in_threadpool

from application.pagination import DEFAULT_PAGE_SIZE
from application.use_cases.posts.create_post import CreatePost, CreatePostCommand
from application.use_cases.posts.delete_post import DeletePost, DeletePostCommand
from application.use_cases.posts.get_post import GetPost, PostReference
from application.use_cases.posts.list_posts import (
    ListMyPosts,
    ListMyPostsQuery,
    ListPublishedPosts,
    ListPublishedPostsQuery,
)
from application.use_cases.posts.update_own_post import UpdateOwnPost, UpdateOwnPostCommand
from interfaces.http.dependencies import (
    CurrentUser,
    OptionalUser,
    SignedInReader,
    run_read,
    use_case,
)
from interfaces.http.openapi import documented_by, errors
from interfaces.http.paging import Cursor, Limit, Search, page_response
from interfaces.http.schemas.common import PageResponse
from interfaces.http.schemas.posts import CreatePostRequest, PostResponse, UpdatePostRequest

router = APIRouter(prefix="/posts", tags=["posts"], responses=errors(401, 403))

OPTIONAL_SIGN_IN = "A bearer token is optional, but checked when sent: a bad one is refused."


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PostResponse,
    **documented_by(CreatePost),
)
@router.post(
    "/", status_code=status.HTTP_201_CREATED, response_model=PostResponse, include_in_schema=False
)
async def create_post(
    body: CreatePostRequest,
    user: CurrentUser,
    create: Annotated[CreatePost, Depends(use_case(lambda c: c.create_post()))],
) -> PostResponse:
    return PostResponse.of(
        await run_in_threadpool(create.execute, CreatePostCommand(actor=user, **body.model_dump()))
    )


@router.get(
    "",
    response_model=PageResponse[PostResponse],
    responses=errors(400),
    **documented_by(ListPublishedPosts, note=OPTIONAL_SIGN_IN),
)
@router.get("/", response_model=PageResponse[PostResponse], include_in_schema=False)
async def list_published_posts(
    request: Request,
    viewer: OptionalUser,
    list_posts: Annotated[
        ListPublishedPosts, Depends(use_case(lambda c: c.list_published_posts()))
    ],
    author_id: uuid.UUID | None = None,
    search: Search = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> PageResponse[PostResponse]:
    query = ListPublishedPostsQuery(author_id=author_id, search=search, limit=limit, cursor=cursor)
    # A search reads every published post's text; an author's drafts are walked past.
    bounded = search is None and author_id is None
    page = await run_read(request, partial(list_posts.execute, query), bounded=bounded)
    return page_response(page, PostResponse.of)


@router.get(
    "/my",
    response_model=PageResponse[PostResponse],
    responses=errors(400),
    **documented_by(ListMyPosts),
)
async def list_my_posts(
    caller: SignedInReader,
    list_posts: Annotated[ListMyPosts, Depends(use_case(lambda c: c.list_my_posts()))],
    published: bool | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> PageResponse[PostResponse]:
    page = await caller.read(
        lambda user: list_posts.execute(
            ListMyPostsQuery(actor=user, published=published, limit=limit, cursor=cursor)
        ),
        bounded=published is None,
    )
    return page_response(page, PostResponse.of)


@router.get(
    "/{post_id}",
    response_model=PostResponse,
    responses=errors(404),
    **documented_by(GetPost, note=OPTIONAL_SIGN_IN),
)
async def read_post(
    request: Request,
    post_id: uuid.UUID,
    viewer: OptionalUser,
    get_post: Annotated[GetPost, Depends(use_case(lambda c: c.get_post()))],
) -> PostResponse:
    reference = PostReference(actor=viewer, post_id=post_id)
    post = await run_read(request, partial(get_post.execute, reference))
    return PostResponse.of(post)


@router.patch(
    "/{post_id}", response_model=PostResponse, responses=errors(404), **documented_by(UpdateOwnPost)
)
async def update_post(
    post_id: uuid.UUID,
    body: UpdatePostRequest,
    user: CurrentUser,
    update: Annotated[UpdateOwnPost, Depends(use_case(lambda c: c.update_own_post()))],
) -> PostResponse:
    changes = body.model_dump(exclude_unset=True)
    authored = await run_in_threadpool(
        update.execute, UpdateOwnPostCommand(actor=user, post_id=post_id, **changes)
    )
    return PostResponse.of(authored)


@router.delete(
    "/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404),
    **documented_by(DeletePost),
)
async def delete_post(
    post_id: uuid.UUID,
    user: CurrentUser,
    delete: Annotated[DeletePost, Depends(use_case(lambda c: c.delete_post()))],
) -> None:
    await run_in_threadpool(delete.execute, DeletePostCommand(actor=user, post_id=post_id))
