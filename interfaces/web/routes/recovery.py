"""Forgot password, reset password, verify email: the pages the emailed links land on.

Opening a link (GET) only shows a form holding the token; the form's POST spends it, so a mail
scanner that follows links spends nothing. A token is in the URL of these pages: they send
`Referrer-Policy: no-referrer`, and the access log never writes a query string.
"""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from application.errors import InvalidResetToken, InvalidVerifyToken
from application.use_cases.recovery.forgot_password import ForgotPasswordCommand
from application.use_cases.recovery.reset_password import ResetPasswordCommand
from application.use_cases.recovery.verify_email import VerifyEmailCommand
from domain.errors import DomainError
from domain.users import EMAIL_MAX_LENGTH
from interfaces.http.password_work import PasswordWork
from interfaces.web.dependencies import ContainerDep, Form, OptionalVisit, PagesDep, in_worker
from interfaces.web.forms import field_errors, without_secrets
from interfaces.web.pages import see_other

router = APIRouter()

# As the API's token fields: anything longer is no token of ours.
TOKEN_MAX_LENGTH = 4096

BROKEN_LINK = "This link is incomplete. Open the whole link from the email, or ask for a new one."
RESET_REFUSED = "This reset link is invalid, expired or already used. Ask for a new one."
VERIFY_REFUSED = (
    "This confirmation link is invalid, expired or already used, or your address changed since "
    "it was sent. Log in and ask for a new one from your account page."
)
EMAIL_NEEDED = "Enter the email address of your account."


def no_referrer(response: Response) -> Response:
    """The page's URL may hold a token: no request from it names the page (not even to us)."""
    response.headers["referrer-policy"] = "no-referrer"
    return response


def password_work(request: Request) -> PasswordWork:
    work: PasswordWork = request.app.state.password_work
    return work


def usable_token(token: str | None) -> str | None:
    """The token as given, or None when it cannot be one (missing, empty, absurdly long)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return token


@router.get("/forgot-password")
async def forgot_password_page(request: Request, visit: OptionalVisit, pages: PagesDep) -> Response:
    user = visit.user if visit else None
    context: dict[str, Any] = {"form": {}, "errors": {}}
    return no_referrer(pages.render(request, "forgot_password.html", context, user=user))


@router.post("/forgot-password")
async def forgot_password(
    request: Request,
    visit: OptionalVisit,
    form: Form,
    pages: PagesDep,
    container: ContainerDep,
    after_answering: BackgroundTasks,
) -> Response:
    email = form.get("email", "").strip()
    if not email or len(email) > EMAIL_MAX_LENGTH:
        context = {"form": without_secrets(form), "errors": {"email": EMAIL_NEEDED}}
        user = visit.user if visit else None
        page = pages.render(request, "forgot_password.html", context, user=user, status_code=422)
        return no_referrer(page)
    forgot = container.forgot_password()
    # Only the throttle is decided now (a rate limiter, maybe Redis: off the event loop) ...
    send_link = await run_in_threadpool(lambda: forgot.execute(ForgotPasswordCommand(email)))
    # ... the look-up and the email run once the answer is sent, as the API does: a registered
    # address is answered as fast, and in the same words, as an unknown one.
    after_answering.add_task(send_link)
    return no_referrer(see_other("/app/forgot-password?notice=reset_link_sent"))


@router.get("/reset-password")
async def reset_password_page(
    request: Request,
    visit: OptionalVisit,
    pages: PagesDep,
    token: Annotated[str | None, Query()] = None,
) -> Response:
    # Shows the form only: the token is spent by its POST, never by opening the link.
    given = usable_token(token)
    context: dict[str, Any] = {
        "token": given or "",
        "form": {},
        "errors": {},
        "problem": None if given else BROKEN_LINK,
    }
    user = visit.user if visit else None
    page = pages.render(
        request, "reset_password.html", context, user=user, status_code=200 if given else 400
    )
    return no_referrer(page)


@router.post("/reset-password")
async def reset_password(
    request: Request, visit: OptionalVisit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    user = visit.user if visit else None
    token = usable_token(form.get("token"))
    context: dict[str, Any] = {
        "token": token or "",
        "form": without_secrets(form),
        "errors": {},
        "problem": None,
    }
    try:
        if token is None:
            raise InvalidResetToken()
        command = ResetPasswordCommand(token=token, new_password=form.get("new_password", ""))
        reset = container.reset_password()
        await password_work(request).run(lambda: reset.execute(command))
    except InvalidResetToken:
        context.update(token="", problem=RESET_REFUSED)
        page = pages.render(request, "reset_password.html", context, user=user, status_code=400)
        return no_referrer(page)
    except DomainError as error:
        # A refused password leaves the token unspent (ResetPassword): the form stays usable.
        errors = field_errors(error)
        if errors is None:
            raise
        context.update(errors=errors)
        page = pages.render(request, "reset_password.html", context, user=user, status_code=422)
        return no_referrer(page)
    return no_referrer(see_other("/app/login?notice=password_reset"))


@router.get("/verify-email")
async def verify_email_page(
    request: Request,
    visit: OptionalVisit,
    pages: PagesDep,
    token: Annotated[str | None, Query()] = None,
) -> Response:
    # Shows the "Confirm my email" button only: its POST spends the token.
    given = usable_token(token)
    context = {"token": given or "", "problem": None if given else BROKEN_LINK}
    user = visit.user if visit else None
    page = pages.render(
        request, "verify_email.html", context, user=user, status_code=200 if given else 400
    )
    return no_referrer(page)


@router.post("/verify-email")
async def verify_email(
    request: Request, visit: OptionalVisit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    user = visit.user if visit else None
    token = usable_token(form.get("token"))
    verify = container.verify_email()
    try:
        if token is None:
            raise InvalidVerifyToken()
        command = VerifyEmailCommand(token)
        await in_worker(request, lambda: verify.execute(command))
    except InvalidVerifyToken:
        context = {"token": "", "problem": VERIFY_REFUSED}
        page = pages.render(request, "verify_email.html", context, user=user, status_code=400)
        return no_referrer(page)
    next_page = "/app/account" if visit else "/app/login"
    return no_referrer(see_other(f"{next_page}?notice=email_verified"))
