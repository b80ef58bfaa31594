import hmac
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from infrastructure.metrics import CONTENT_TYPE
from interfaces.http.dependencies import container_of
from interfaces.http.errors import STORAGE_RETRY_AFTER_SECONDS, error_response, unauthorized
from interfaces.http.openapi import errors
from interfaces.http.schemas.common import HealthResponse

router = APIRouter(tags=["operations"])

# A probe wants its answer quickly, sooner than the database timeouts would give it.
READY_TIMEOUT_SECONDS = 2.0


@router.get("/health", response_model=HealthResponse, summary="Liveness: the process is up.")
async def health() -> HealthResponse:
    """The process is up (and its event loop is free: this never waits on anything)."""
    return HealthResponse(status="ok")


@router.get(
    "/ready",
    response_model=HealthResponse,
    responses=errors(503),
    summary="Readiness: the database answers, at the latest migration.",
)
async def ready(request: Request) -> Any:
    """The database answers, within two seconds, and its schema is at the latest migration;
    otherwise 503 (`database_unavailable` or `database_not_migrated`), with a `Retry-After`
    header."""
    problem = container_of(request).readiness().problem
    found: str | None = "database_unavailable"  # unless the check answers in time
    with anyio.move_on_after(READY_TIMEOUT_SECONDS):
        # Abandoned when late: the check's thread goes on alone, and ends within the database
        # timeouts (connect, pool and response), which bound every call it makes.
        found = await anyio.to_thread.run_sync(problem, abandon_on_cancel=True)
    if found is None:
        return HealthResponse(status="ready")
    headers = {"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)}
    return error_response(503, found, NOT_READY[found], headers)


NOT_READY = {  # by the code the readiness check names
    "database_unavailable": "The database is not reachable.",
    "database_not_migrated": "The database is not at the latest migration: run `tessera db upgrade`.",
}


@router.get("/.well-known/jwks.json", summary="The public keys of access tokens (JWKS).")
async def jwks(request: Request) -> dict[str, Any]:
    """The public keys that verify access tokens (empty with HS256, whose key is secret)."""
    keys: dict[str, Any] = container_of(request).access_tokens().jwks()
    return keys


METRICS_PATH = "/metrics"


async def metrics(request: Request) -> Response:
    """Prometheus text format (added to the app only with METRICS_ENABLED=true). With
    METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`."""
    container = container_of(request)
    token = container.settings().metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given:
            return unauthorized("not_authenticated", "Not authenticated.", token_was_sent=False)
        # In constant time: how much of a guess was right must not show in the answer's timing.
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            return unauthorized(
                "invalid_token", "Could not validate credentials.", token_was_sent=True
            )
    # Reading every worker's files is file I/O: not on the event loop.
    body = await run_in_threadpool(container.metrics().render)
    return Response(body, media_type=CONTENT_TYPE)
