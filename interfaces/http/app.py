"""The HTTP interface: `create_app` builds the FastAPI app around a container."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from infrastructure.container import Container, build_container
from interfaces.http.errors import install_error_handlers
from interfaces.http.middleware import EdgeMiddleware, WorkerHeaderMiddleware
from interfaces.http.openapi import install_openapi
from interfaces.http.password_work import PasswordWork
from interfaces.http.routers import (
    admin,
    auth,
    mfa,
    oidc,
    operations,
    passkeys,
    posts,
    sessions,
    tasks,
    users,
)
from interfaces.web.app import MOUNT_PATH, create_web_app

DOCUMENTATION_ORDER = ("operations", "auth", "users", "tasks", "posts", "admin")
DOCS_URL = "/docs"
REDOC_URL = "/redoc"


def create_app(container: Container | None = None) -> FastAPI:
    """Build the app; tests pass a container with overridden providers."""
    container = container or build_container()
    settings = container.settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start and not settings.uses_memory_database:
            await run_in_threadpool(container.migrator().upgrade)
        yield
        container.shutdown_resources()

    # Swagger UI and ReDoc served by Tessera from fastapi-offline's copies (under
    # /static-offline-docs), not from a CDN: the docs work on a machine without internet.
    app = FastAPIOffline(
        docs_url=DOCS_URL,
        redoc_url=REDOC_URL,
        title="Tessera",
        version="0.1.0",
        description="Tasks and posts for many users, behind JWT authentication.",
        lifespan=lifespan,
        redirect_slashes=False,
        openapi_tags=[{"name": tag} for tag in DOCUMENTATION_ORDER],
    )
    app.state.container = container
    trusted_proxies = frozenset(settings.trusted_proxy_list)
    app.state.trusted_proxies = trusted_proxies
    app.state.database_in_process = settings.database_in_process
    app.state.password_work = PasswordWork()
    install_error_handlers(app)
    service_metrics = container.metrics()
    if settings.environment == "test":
        app.add_middleware(WorkerHeaderMiddleware)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    # Added last, so outermost: every response (a CORS preflight included) carries X-Request-ID
    # and the security headers, and every log line of the request can name it.
    app.add_middleware(
        EdgeMiddleware,
        trusted_proxies=trusted_proxies,
        observe=service_metrics.observe_request if service_metrics.enabled else None,
        swagger_paths=[DOCS_URL],
        redoc_paths=[REDOC_URL],
        oauth2_redirect_paths=[app.swagger_ui_oauth2_redirect_url],
    )
    app.router.routes.extend(_api_routes())
    if service_metrics.enabled:
        # Off by default: no route at all (a 404), and none in the OpenAPI document either way.
        app.add_api_route(
            operations.METRICS_PATH, operations.metrics, methods=["GET"], include_in_schema=False
        )
    install_openapi(app)
    if settings.web_ui:
        app.mount(MOUNT_PATH, create_web_app(container, app.state.password_work))
        for path in ("/", MOUNT_PATH):
            app.add_api_route(path, _to_the_pages, include_in_schema=False)
    return app


# Routing tries routes in order, so the busiest come first (about a microsecond per route passed);
# `openapi_tags` keeps the documentation in reading order.
API_ROUTERS = (
    tasks.router,
    users.router,
    posts.router,
    auth.router,
    sessions.router,
    mfa.router,
    passkeys.router,
    oidc.router,
    oidc.identities_router,
    admin.router,
    operations.router,
)


@cache
def _api_routes() -> tuple[BaseRoute, ...]:
    """The API's routes, built once per process. FastAPI analyses every route's parameters as it
    is added (a fifth of a second for all of Tessera's); a route holds nothing of its app (it
    finds the container through the request), so every app of a process shares them: the tests
    build an app per test."""
    routes = APIRouter()
    for router in API_ROUTERS:
        routes.include_router(router)
    return tuple(routes.routes)


async def _to_the_pages() -> RedirectResponse:
    return RedirectResponse(MOUNT_PATH + "/", status_code=307)
