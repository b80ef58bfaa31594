"""What web routes depend on: the container's use cases, the pages, the person signed in."""

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from application.errors import AccountInactive, InvalidToken
from application.use_cases.auth.authenticate_browser_session import BrowserVisit
from infrastructure.container import Container
from interfaces.web.csrf import CSRF_FIELD, CSRF_HEADER
from interfaces.web.pages import Pages

T = TypeVar("T")


class MalformedJson(Exception):
    """A JSON route's body is not the object the page's script sends: 400, nothing changed."""


class SignInRequired(Exception):
    """A page that needs a signed-in person was opened without one: off to the login page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.login_url = f"/app/login?next={quote(back_to, safe='/')}"


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


async def in_worker(request: Request, work: Callable[[], T]) -> T:
    """Database work: in a worker thread, unless the database lives in this process (SQLite,
    memory), where a thread hop costs more than the query."""
    if request.app.state.database_in_process:
        return work()
    return await run_in_threadpool(work)


async def optional_visit(request: Request) -> BrowserVisit | None:
    """The signed-in person's visit, or None; a stale or unknown cookie is as good as none."""
    key = pages_of(request).cookies.session_key(request)
    if key is None:
        return None
    authenticate = container_of(request).authenticate_browser_session()
    try:
        return await in_worker(request, lambda: authenticate.execute(key))
    except (InvalidToken, AccountInactive):
        return None


async def required_visit(
    request: Request, visit: Annotated[BrowserVisit | None, Depends(optional_visit)]
) -> BrowserVisit:
    if visit is None:
        path = request.url.path
        back_to = f"{path}?{request.url.query}" if request.url.query else path
        raise SignInRequired(back_to if request.method == "GET" else "/app/")
    return visit


async def checked_form(request: Request) -> dict[str, str]:
    """The POSTed form, once it is shown to come from a page of this site (csrf.py)."""
    form = await request.form()
    pages = pages_of(request)
    pages.csrf.check(request, pages.cookies.csrf_secret(request), form.get(CSRF_FIELD))
    return {name: value for name, value in form.items() if isinstance(value, str)}


async def answers_in_json(request: Request) -> None:
    """Marks a route the pages' script calls (passkeys): its refusals are JSON, not pages
    (errors.py). A router dependency, so that it runs before the route's own."""
    request.state.answers_in_json = True


def wants_json(request: Request) -> bool:
    return bool(getattr(request.state, "answers_in_json", False))


async def checked_json(request: Request) -> dict[str, Any]:
    """The POSTed JSON object, once it is shown to come from a page of this site: the same
    checks as a form's (csrf.py), the token in the `X-CSRF-Token` header instead of a field."""
    pages = pages_of(request)
    pages.csrf.check(request, pages.cookies.csrf_secret(request), request.headers.get(CSRF_HEADER))
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise MalformedJson() from None
    if not isinstance(body, dict):
        raise MalformedJson()
    return body


PagesDep = Annotated[Pages, Depends(pages_of)]
ContainerDep = Annotated[Container, Depends(container_of)]
Visit = Annotated[BrowserVisit, Depends(required_visit)]
OptionalVisit = Annotated[BrowserVisit | None, Depends(optional_visit)]
Form = Annotated[dict[str, str], Depends(checked_form)]
JsonBody = Annotated[dict[str, Any], Depends(checked_json)]
