"""What the OpenAPI document says beyond the routes: what each operation does, and its errors."""

import inspect
from collections.abc import Callable
from typing import Any, TypedDict

from fastapi import FastAPI

from interfaces.http.schemas.common import ErrorBody

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated, or the credentials were rejected",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Request body too large",
    429: "Too many attempts",
    503: "Service unavailable",
}

_ERROR_BODY_REF = {"$ref": "#/components/schemas/ErrorBody"}
_MALFORMED = "Malformed request: a NUL in the URL, or a body that cannot be read as JSON"


class OperationText(TypedDict):
    summary: str
    description: str


def documented_by(use_case: type, *, note: str = "") -> OperationText:
    """The summary and description of an operation that runs `use_case`, to splat into its route
    decorator: the docstring's first line, and the whole docstring, followed by `note` on what
    only HTTP knows. One text serves the code's readers and the API's, so they cannot drift apart.
    """
    docstring = inspect.getdoc(use_case)
    if not docstring:
        raise ValueError(f"{use_case.__name__} needs a docstring: it documents its operation")
    description = f"{docstring}\n\n{note}" if note else docstring
    return {"summary": docstring.splitlines()[0], "description": description}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Declare the contract's error body for these statuses (422 is FastAPI's own validation body)."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        for status in statuses
        if status != 422
    }


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ERROR_BODY_REF}},
    }


def declare_common_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Add the errors any operation can answer, whatever its route, to every operation.

    Middleware answers them before routing (400 for a NUL in the URL, 413 for a body over the
    limit) or FastAPI does while reading the body (400 for one that is not UTF-8 or is nested too
    deep): no router can see them, yet clients and fuzzers must find them in the document.
    """
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", _error_response(_MALFORMED))
            # Any route that reads the database answers 503 while the database is unreachable.
            responses.setdefault("503", _error_response(_DESCRIPTIONS[503]))
            if "requestBody" in operation:
                responses.setdefault("413", _error_response(_DESCRIPTIONS[413]))
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's generated document with the common errors declared (built once, cached)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_common_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
