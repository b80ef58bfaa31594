"""The home page: the published posts, newest first, paged and searchable, for anyone."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from application.use_cases.posts.list_posts import ListPublishedPostsQuery
from interfaces.web.dependencies import ContainerDep, OptionalVisit, PagesDep, in_worker

router = APIRouter()

PAGE_SIZE = 10


@router.get("/")
async def home(
    request: Request,
    visit: OptionalVisit,
    pages: PagesDep,
    container: ContainerDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    search = (q or "").strip() or None
    query = ListPublishedPostsQuery(search=search, limit=PAGE_SIZE, cursor=cursor)
    list_posts = container.list_published_posts()
    page = await in_worker(request, lambda: list_posts.execute(query))
    return pages.render(
        request,
        "home.html",
        {"page": page, "search": search or ""},
        user=visit.user if visit else None,
    )
