from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from interfaces.http.dependencies import container_of
from interfaces.http.openapi import errors
from interfaces.http.schemas.common import HealthResponse

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthResponse)
async def health() -> HealthResponse:
    """The process is up (and its event loop is free: this never waits on anything)."""
    return HealthResponse(status="ok")


@router.get("/ready", response_model=HealthResponse, responses=errors(503))
async def ready(request: Request) -> Any:
    """The database answers."""
    if await run_in_threadpool(container_of(request).readiness().is_ready):
        return HealthResponse(status="ready")
    return JSONResponse(
        {"detail": "The database is not reachable.", "code": "database_unavailable"},
        status_code=503,
    )


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> dict[str, Any]:
    """The public keys that verify access tokens (empty with HS256, whose key is secret)."""
    keys: dict[str, Any] = container_of(request).access_tokens().jwks()
    return keys
