"""Errors as pages: the same mapping as the API's, answered with HTML and the matching status."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from application.errors import StorageUnavailable, TooManyAttempts
from application.use_cases.auth.authenticate_browser_session import BrowserVisit
from domain.errors import DomainError, MfaEnrollmentRequired
from interfaces.http.errors import STORAGE_RETRY_AFTER_SECONDS, error_response, status_of
from interfaces.web.csrf import CsrfRefused
from interfaces.web.dependencies import (
    MalformedJson,
    SignInRequired,
    optional_visit,
    pages_of,
    wants_json,
)
from interfaces.web.pages import see_other

logger = logging.getLogger(__name__)

TITLES = {
    400: "That request could not be understood",
    403: "You may not do that",
    404: "Page not found",
    405: "That is not how this page works",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Tessera is unavailable for a moment",
}
EXPLANATIONS = {
    400: "The link or form you used was not what this page expects.",
    404: "There is nothing here, or nothing you may see.",
    405: "Go back and use the page's own links and buttons.",
    500: "The error was logged. Try again in a moment.",
    503: "Its database cannot be reached. Try again in a few seconds.",
}
# MFA_REQUIRED_FOR_ADMINS: the admin may do nothing here yet, but can fix that in a minute.
MFA_ENROLLMENT_EXPLANATION = (
    "Admins must turn on a second factor before using the admin pages. Set up an authenticator "
    "app in the “Second factor” section of your account page, then come back."
)
MFA_ENROLLMENT_LINK = ("/app/account#second-factor", "Set up a second factor on your account page")
CSRF_EXPLANATION = (
    "This form could not be shown to come from Tessera itself (it may have expired, or been sent "
    "from another site). Nothing was changed. Go back, reload the page and try again."
)


async def error_page(
    request: Request,
    status_code: int,
    explanation: str | None = None,
    headers: dict[str, str] | None = None,
    link: tuple[str, str] | None = None,
) -> Response:
    """The error page; `link` (address, text) is the way forward, when there is a better one than
    the home page."""
    visit = await _visit_if_possible(request, status_code)
    response = pages_of(request).render(
        request,
        "error.html",
        {
            "title": TITLES.get(status_code, "Something went wrong"),
            "explanation": explanation or EXPLANATIONS.get(status_code, ""),
            "status_code": status_code,
            "link": link,
        },
        user=visit.user if visit else None,
        status_code=status_code,
    )
    response.headers.update(headers or {})
    return response


async def _visit_if_possible(request: Request, status_code: int) -> BrowserVisit | None:
    # The header names the person where it can; with the database down, it cannot.
    if status_code in (500, 503):
        return None
    try:
        return await optional_visit(request)
    except Exception:  # the error page itself must not fail
        return None


def json_refusal(error: Exception) -> Response:
    """A refusal of a route the pages' script calls: the API's error body (`detail`, `code`),
    whose `detail` the script shows as it is."""
    if isinstance(error, SignInRequired):
        return error_response(401, "not_authenticated", "You are not logged in: log in again.")
    if isinstance(error, CsrfRefused):
        return error_response(403, "csrf_refused", CSRF_EXPLANATION)
    if isinstance(error, MalformedJson | RequestValidationError):
        return error_response(400, "bad_request", TITLES[400] + ".")
    if isinstance(error, DomainError):
        headers: dict[str, str] = {}
        if isinstance(error, TooManyAttempts):
            wait = error.retry_after_seconds
            return error_response(429, error.code, wait_message(wait), {"retry-after": str(wait)})
        if isinstance(error, StorageUnavailable):
            headers["retry-after"] = str(STORAGE_RETRY_AFTER_SECONDS)
        # A field's error (a passkey's name too long) is 400 here, as any bad input.
        return error_response(status_of(error), error.code, error.detail, headers)
    if isinstance(error, StarletteHTTPException):
        return error_response(error.status_code, "error", TITLES.get(error.status_code, "Error"))
    return error_response(500, "internal_error", TITLES[500] + ".")


def install_page_errors(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, error: SignInRequired) -> Response:
        if wants_json(request):
            return json_refusal(error)
        return see_other(error.login_url)

    @app.exception_handler(CsrfRefused)
    async def forged(request: Request, error: CsrfRefused) -> Response:
        if wants_json(request):
            return json_refusal(error)
        return await error_page(request, 403, CSRF_EXPLANATION)

    @app.exception_handler(MalformedJson)
    async def malformed_json(request: Request, error: MalformedJson) -> Response:
        return json_refusal(error)

    @app.exception_handler(DomainError)
    async def refused(request: Request, error: DomainError) -> Response:
        if wants_json(request):
            return json_refusal(error)
        if isinstance(error, StorageUnavailable):
            headers = {"retry-after": str(STORAGE_RETRY_AFTER_SECONDS)}
            return await error_page(request, 503, headers=headers)
        if isinstance(error, TooManyAttempts):
            wait = error.retry_after_seconds
            return await error_page(
                request, 429, wait_message(wait), headers={"retry-after": str(wait)}
            )
        if isinstance(error, MfaEnrollmentRequired):
            return await error_page(
                request, 403, MFA_ENROLLMENT_EXPLANATION, link=MFA_ENROLLMENT_LINK
            )
        status = status_of(error)
        explanation = error.detail if status in (400, 403, 409) else None
        return await error_page(request, status, explanation)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, error: RequestValidationError) -> Response:
        if wants_json(request):
            return json_refusal(error)
        # A query or path the pages never make (a hand-edited URL): a page, not the API's JSON 422.
        return await error_page(request, 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if wants_json(request):
            return json_refusal(error)
        return await error_page(request, error.status_code)

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> Response:
        logger.exception("unexpected error on a page", exc_info=error)
        if wants_json(request):
            return json_refusal(error)
        return await error_page(request, 500)


def wait_message(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    wait = f"{minutes} min {rest} s" if minutes else f"{seconds} seconds"
    return f"Too many attempts. Wait {wait} and try again."
