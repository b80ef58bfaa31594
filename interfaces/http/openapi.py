"""Error responses as the OpenAPI document declares them."""

from typing import Any

from interfaces.http.schemas.common import ErrorBody

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated, or the credentials were rejected",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    429: "Too many attempts",
    503: "Service unavailable",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Declare the contract's error body for these statuses (422 is FastAPI's own validation body)."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        for status in statuses
        if status != 422
    }
