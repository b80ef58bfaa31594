"""Register, log in, log out: the browser's way in and out."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from application.errors import (
    AccountInactive,
    EmailNotVerified,
    InvalidCredentials,
    MfaRequired,
    TooManyAttempts,
)
from application.use_cases.auth.login import LoginCommand
from application.use_cases.auth.register_user import RegisterUserCommand
from domain.errors import DomainError
from domain.users import normalize_email, validate_full_name, validate_username
from interfaces.http.password_work import PasswordWork
from interfaces.web.cookies import new_csrf_secret
from interfaces.web.dependencies import ContainerDep, Form, OptionalVisit, PagesDep, in_worker
from interfaces.web.errors import wait_message
from interfaces.web.forms import (
    each_field_error,
    field_errors,
    local_path,
    optional_text,
    without_secrets,
)
from interfaces.web.pages import see_other
from interfaces.web.routes.mfa import second_step_page

router = APIRouter()

# One message for every wrong login, as the API's single 401: no hint which part was wrong.
WRONG_LOGIN = "Incorrect username, email or password."


def password_work(request: Request) -> PasswordWork:
    work: PasswordWork = request.app.state.password_work
    return work


@router.get("/login")
async def login_page(
    request: Request,
    visit: OptionalVisit,
    pages: PagesDep,
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    target = local_path(next)
    if visit is not None:
        return see_other(target)
    return pages.render(request, "login.html", {"next": target, "form": {}, "error": None})


@router.post("/login")
async def login(request: Request, form: Form, pages: PagesDep, container: ContainerDep) -> Response:
    target = local_path(form.get("next"))
    command = LoginCommand(login=form.get("login", ""), password=form.get("password", ""))
    browser_login = container.browser_login()
    try:
        signed_in = await password_work(request).run(lambda: browser_login.execute(command))
    except MfaRequired as second_step:
        # The password is right: the code form next (routes/mfa.py completes the login).
        return second_step_page(
            request,
            pages,
            mfa_token=second_step.mfa_token,
            next_path=target,
            methods=second_step.methods,
        )
    except (InvalidCredentials, AccountInactive, EmailNotVerified, TooManyAttempts) as refused:
        status, message, headers = _refusal(refused)
        response = pages.render(
            request,
            "login.html",
            {"next": target, "form": without_secrets(form), "error": message},
            status_code=status,
        )
        response.headers.update(headers)
        return response
    response = see_other(target)
    # A new session key and a new CSRF secret: nothing a page saw before login is worth anything.
    pages.cookies.start_session(response, signed_in.key)
    return response


def _refusal(error: DomainError) -> tuple[int, str, dict[str, str]]:
    if isinstance(error, TooManyAttempts):
        wait = error.retry_after_seconds
        return 429, wait_message(wait), {"retry-after": str(wait)}
    if isinstance(error, InvalidCredentials):
        return 401, WRONG_LOGIN, {}
    return 403, error.detail, {}


@router.get("/register")
async def register_page(request: Request, visit: OptionalVisit, pages: PagesDep) -> Response:
    if visit is not None:
        return see_other("/app/")
    return pages.render(request, "register.html", {"form": {}, "errors": {}})


@router.post("/register")
async def register(
    request: Request, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = RegisterUserCommand(
        username=form.get("username", "").strip(),
        email=form.get("email", "").strip(),
        password=form.get("password", ""),
        full_name=optional_text(form.get("full_name")),
    )
    errors = each_field_error(
        {
            "username": lambda: validate_username(command.username),
            "email": lambda: normalize_email(command.email),
            "full_name": lambda: validate_full_name(command.full_name),
        }
    )
    if not errors:
        register_user = container.register_user()
        try:
            await password_work(request).run(lambda: register_user.execute(command))
            return see_other("/app/login?notice=registered")
        except DomainError as error:
            about_fields = field_errors(error)
            if about_fields is None:
                raise
            errors = about_fields
    context = {"form": without_secrets(form), "errors": errors}
    return pages.render(request, "register.html", context, status_code=422)


@router.post("/logout")
async def logout(
    request: Request, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    key = pages.cookies.session_key(request)
    if key is not None:
        logout_browser = container.logout_browser()
        await in_worker(request, lambda: logout_browser.execute(key))
    response = see_other("/app/?notice=logged_out")
    pages.cookies.clear_session(response)
    pages.cookies.set_csrf(response, new_csrf_secret())
    return response
