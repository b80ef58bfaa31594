"""The web pages: a FastAPI app of their own, mounted at /app beside the JSON API.

A separate app, so that its errors are pages (errors.py) while the API's stay JSON, and so that
nothing of it reaches the API's OpenAPI document. The main app's middleware (request context,
body size limit, access log, security headers) wraps it as it wraps the API.
"""

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles

from infrastructure.container import Container
from interfaces.http.password_work import PasswordWork
from interfaces.web.cookies import CookiePolicy
from interfaces.web.csrf import CsrfGuard
from interfaces.web.dependencies import refuse_writes_from_other_sites
from interfaces.web.errors import install_page_errors
from interfaces.web.pages import Pages
from interfaces.web.routes import (
    account,
    admin,
    auth,
    home,
    mfa,
    oidc,
    passkeys,
    posts,
    recovery,
    tasks,
)

STATIC = Path(__file__).parent / "static"
MOUNT_PATH = "/app"


def create_web_app(container: Container, password_work: PasswordWork) -> FastAPI:
    settings = container.settings()
    web = FastAPI(
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    web.state.container = container
    web.state.password_work = password_work
    web.state.database_in_process = settings.database_in_process
    web.state.pages = Pages(
        CookiePolicy(secure=settings.public_base_is_https),
        CsrfGuard(container.web_secret(), settings.public_base_url),
    )
    # Called by the templates (login, register, account), so that providers are discovered only
    # when a page first needs them.
    web.state.pages.templates.env.globals["oidc_providers"] = lambda: (
        container.identity_providers().all()
    )
    install_page_errors(web)
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    web.router.routes.extend(_page_routes())
    return web


PAGE_ROUTERS = (
    home.router,
    auth.router,
    posts.router,
    tasks.router,
    account.router,
    mfa.router,
    passkeys.router,
    passkeys.json_router,
    oidc.router,
    recovery.router,
    admin.router,
)


@cache
def _page_routes() -> tuple[BaseRoute, ...]:
    """The pages' routes, built once per process and shared by every app of it, as the API's are
    (interfaces/http/app.py). Each first refuses a write that another site sent."""
    routes = APIRouter(dependencies=[Depends(refuse_writes_from_other_sites)])
    for router in PAGE_ROUTERS:
        routes.include_router(router)
    return tuple(routes.routes)
