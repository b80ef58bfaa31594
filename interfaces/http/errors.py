"""The one mapping from domain and application errors to the contract's HTTP answers."""

import logging
import math
from collections.abc import Mapping
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.errors import (
    AccountInactive,
    EmailNotVerified,
    InvalidCredentials,
    InvalidCurrentPassword,
    InvalidCursor,
    InvalidLoginCode,
    InvalidMfaCode,
    InvalidMfaToken,
    InvalidOidcState,
    InvalidPasskey,
    InvalidRedirectUri,
    InvalidRefreshToken,
    InvalidResetToken,
    InvalidToken,
    InvalidVerifyToken,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    MfaRequired,
    NoPendingSetup,
    OidcError,
    PasswordPolicyViolation,
    RefusedMfaCode,
    RefusedPasskey,
    SessionNotFound,
    StorageUnavailable,
    TooManyAttempts,
    UnknownProvider,
)
from application.request_context import current_request
from domain.errors import (
    AccountExists,
    DomainError,
    EmailTaken,
    IdentityAlreadyLinked,
    IdentityNotFound,
    InvalidField,
    LastAdmin,
    LastCredential,
    PasskeyAlreadyRegistered,
    PasskeyNotFound,
    PermissionDenied,
    PostNotFound,
    TaskNotFound,
    UsernameTaken,
    UserNotFound,
)

logger = logging.getLogger(__name__)

STATUS_OF: Mapping[type[DomainError], int] = {
    InvalidCredentials: 401,
    InvalidToken: 401,
    InvalidCurrentPassword: 400,
    InvalidCursor: 400,
    InvalidResetToken: 400,
    InvalidVerifyToken: 400,
    InvalidRefreshToken: 401,
    MfaRequired: 401,
    InvalidMfaToken: 401,
    RefusedMfaCode: 401,
    InvalidMfaCode: 400,
    MfaAlreadyEnabled: 409,
    NoPendingSetup: 409,
    MfaNotEnabled: 409,
    InvalidPasskey: 400,
    PasskeyAlreadyRegistered: 400,
    RefusedPasskey: 401,
    PasskeyNotFound: 404,
    LastCredential: 409,
    SessionNotFound: 404,
    TooManyAttempts: 429,
    AccountInactive: 403,
    EmailNotVerified: 403,
    PermissionDenied: 403,
    UserNotFound: 404,
    TaskNotFound: 404,
    PostNotFound: 404,
    UsernameTaken: 409,
    EmailTaken: 409,
    LastAdmin: 409,
    StorageUnavailable: 503,
    InvalidOidcState: 400,
    OidcError: 400,
    InvalidLoginCode: 400,
    InvalidRedirectUri: 400,
    UnknownProvider: 404,
    IdentityNotFound: 404,
    AccountExists: 409,
    IdentityAlreadyLinked: 409,
}

# How long a client should wait before retrying while the database is unreachable: long enough
# not to hammer a recovering server, short enough that a restart is barely noticed.
STORAGE_RETRY_AFTER_SECONDS = 5

HTTP_CODES: Mapping[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_attempts",
    503: "service_unavailable",
}

# A field whose name holds one of these words is never echoed in a 422: every password, token
# and secret of the contract (`client_secret` of /auth/token's form included), the second
# factor's codes, and those to come.
SENSITIVE_WORDS = ("password", "token", "secret", "code")


def is_sensitive(field: object) -> bool:
    return isinstance(field, str) and any(word in field for word in SENSITIVE_WORDS)


class NotAuthenticated(Exception):
    """No bearer token was sent."""


def error_response(
    status: int,
    code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    *,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = {"detail": detail, "code": code, **(extra or {})}
    return JSONResponse(body, status_code=status, headers=headers)


def unauthorized(
    code: str, detail: str, *, token_was_sent: bool, extra: Mapping[str, Any] | None = None
) -> JSONResponse:
    challenge = 'Bearer error="invalid_token"' if token_was_sent else "Bearer"
    return error_response(401, code, detail, {"WWW-Authenticate": challenge}, extra=extra)


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def validation_body(field: str, message: str, error_type: str) -> dict[str, Any]:
    return {"detail": [{"loc": ["body", field], "msg": message, "type": error_type}]}


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(DomainError, exc)
    if isinstance(exc, InvalidField | PasswordPolicyViolation):
        return JSONResponse(validation_body(exc.field, exc.detail, exc.code), status_code=422)
    status = status_of(exc)
    if isinstance(exc, MfaRequired):
        second_step = {"mfa_token": exc.mfa_token, "methods": exc.methods}
        return unauthorized(exc.code, exc.detail, token_was_sent=False, extra=second_step)
    if status == 401:
        token_was_sent = isinstance(exc, InvalidToken | InvalidRefreshToken)
        return unauthorized(exc.code, exc.detail, token_was_sent=token_was_sent)
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
        return error_response(status, exc.code, exc.detail, headers)
    if isinstance(exc, StorageUnavailable):
        # Not logged here: during an outage every request ends here, and the persistence
        # adapter logs the outage once, when it begins and when it ends.
        headers = {"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)}
        return error_response(status, exc.code, exc.detail, headers)
    return error_response(status, exc.code, exc.detail)


async def _not_authenticated(request: Request, exc: Exception) -> JSONResponse:
    return unauthorized("not_authenticated", "Not authenticated.", token_was_sent=False)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(StarletteHTTPException, exc)
    code = HTTP_CODES.get(exc.status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
    return error_response(exc.status_code, code, detail, exc.headers)


def _scrub(value: Any) -> Any:
    """What pydantic echoes back, made safe: no password or token field, and only values JSON can
    carry (a lone surrogate or an infinite float in the input must not turn a 422 into a 500)."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if not is_sensitive(k)}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    errors = []
    for raw in cast(RequestValidationError, exc).errors():
        error = dict(raw)
        location = error.get("loc", ())
        if location and is_sensitive(location[-1]):
            error.pop("input", None)
        elif "input" in error:
            error["input"] = _scrub(error["input"])
        if "ctx" in error:
            error["ctx"] = _scrub(error["ctx"])
        errors.append(error)
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Starlette answers this one from outside every middleware of the app: the request id is
    # added here, so that the 500 names the request its log lines name.
    request_id = current_request().request_id
    headers = {"X-Request-ID": request_id} if request_id else None
    return error_response(500, "internal_error", "Internal server error.", headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
