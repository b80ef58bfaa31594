"""Query parameters every list shares, and the page body built from a use case's page."""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Query

from application.pagination import MAX_PAGE_SIZE, Page
from interfaces.http.schemas.common import PageResponse

T = TypeVar("T")
R = TypeVar("R")

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size, 1-100.")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="Opaque cursor from the previous page.")
]
Search = Annotated[
    str | None, Query(max_length=200, description="Case-insensitive literal substring.")
]


def page_response(page: Page[T], render: Callable[[T], R]) -> PageResponse[R]:
    return PageResponse[R](
        items=[render(item) for item in page.items], next_cursor=page.next_cursor
    )
