"""The second factor in the pages: the second step of a login, and the account page's authenticator
app (set up, confirm, new recovery codes, turn off).

Two of these answers break the pages' POST-then-redirect habit on purpose: the new secret and the
recovery codes are shown once, only in the answer to the POST that made them (the use cases keep
no readable copy), so there is no page a redirect could lead to. Those answers are `no-store`
like every page.
"""

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from application.errors import (
    InvalidCurrentPassword,
    InvalidMfaCode,
    InvalidMfaToken,
    RefusedMfaCode,
    TooManyAttempts,
)
from application.use_cases.mfa.confirm_totp import ConfirmTotpCommand
from application.use_cases.mfa.disable_totp import DisableTotpCommand
from application.use_cases.mfa.regenerate_recovery_codes import RegenerateRecoveryCodesCommand
from application.use_cases.mfa.set_up_totp import SetUpTotpCommand
from application.use_cases.mfa.verify_mfa import VerifyMfaCommand
from interfaces.web.dependencies import ContainerDep, Form, PagesDep, Visit
from interfaces.web.errors import wait_message
from interfaces.web.forms import FieldErrors, local_path
from interfaces.web.pages import Pages, see_other
from interfaces.web.qr import qr_code_image
from interfaces.web.routes.account import ACCOUNT, account_page, password_work

router = APIRouter()

SECOND_STEP = "/app/login/second-factor"
# A refused code: what to try instead (no recovery codes exist before the app is turned on).
WRONG_CODE = (
    "That code is not valid. Enter the code your app shows now, or an unused recovery code."
)
WRONG_SETUP_CODE = "That code is not valid. Enter the code your app shows now."


# --- The second step of a login ----------------------------------------------------------------


def second_step_page(
    request: Request,
    pages: Pages,
    *,
    mfa_token: str,
    next_path: str,
    methods: list[str],
    errors: FieldErrors | None = None,
    alert: str | None = None,
    status_code: int = 200,
) -> Response:
    """The code form after a correct password. The single-use `mfa_token` rides in a hidden field
    of the form (never in a URL), so that a wrong code can be corrected with the same token."""
    context = {
        "mfa_token": mfa_token,
        "next": next_path,
        "methods": methods,
        "errors": errors or {},
        "alert": alert,
    }
    return pages.render(request, "login_second_factor.html", context, status_code=status_code)


@router.get("/login/second-factor")
async def second_step_without_token() -> Response:
    # The step is only ever the answer to a login's POST; opened on its own (a bookmark, the
    # history), it has no token to go on: back to the first step.
    return see_other("/app/login")


@router.post("/login/second-factor")
async def complete_login(
    request: Request, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    target = local_path(form.get("next"))
    mfa_token = form.get("mfa_token", "")
    # What to offer again (a passkey or not): as the login named it; only the page's choice.
    methods = form.get("methods", "").split(",")
    command = VerifyMfaCommand(mfa_token=mfa_token, code=form.get("code", "").strip())
    verify = container.verify_mfa_in_browser()
    try:
        # Off the event loop in any case: the account throttle may ask Redis.
        signed_in = await run_in_threadpool(verify.execute, command)
    except RefusedMfaCode:
        # The token is not spent by a wrong code: the same form, to try again.
        return second_step_page(
            request,
            pages,
            mfa_token=mfa_token,
            next_path=target,
            methods=methods,
            errors={"code": WRONG_CODE},
            status_code=401,
        )
    except TooManyAttempts as throttled:
        wait = throttled.retry_after_seconds
        response = second_step_page(
            request,
            pages,
            mfa_token=mfa_token,
            next_path=target,
            methods=methods,
            alert=wait_message(wait),
            status_code=429,
        )
        response.headers["retry-after"] = str(wait)
        return response
    except InvalidMfaToken:
        # Expired, spent, or void since (password changed, sessions ended): start again.
        return see_other(f"/app/login?notice=second_step_expired&next={quote(target, safe='/')}")
    response = see_other(target)
    # As at login: a new session key and a new CSRF secret.
    pages.cookies.start_session(response, signed_in.key)
    return response


# --- The account page's authenticator app ------------------------------------------------------


@router.post("/account/mfa/totp/setup")
async def set_up_totp(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = SetUpTotpCommand(user_id=visit.user.id, password=form.get("totp_password", ""))
    set_up = container.set_up_totp()
    try:
        setup = await password_work(request).run(lambda: set_up.execute(command))
    except InvalidCurrentPassword as wrong:
        errors = {"totp_password": wrong.detail}
        return await account_page(request, visit, pages, container, errors=errors, status_code=400)
    context = {
        "secret": setup.secret,
        "qr_code": qr_code_image(setup.otpauth_uri),
        "errors": {},
    }
    return pages.render(request, "totp_setup.html", context, user=visit.user)


@router.post("/account/mfa/totp/confirm")
async def confirm_totp(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = ConfirmTotpCommand(
        user_id=visit.user.id,
        code=form.get("code", "").strip(),
        keep_session=visit.session.id,
    )
    confirm = container.confirm_totp()
    try:
        codes = await run_in_threadpool(confirm.execute, command)
    except InvalidMfaCode:
        # The secret was shown once and is not shown again: the form alone, to try another code.
        again = {"secret": None, "qr_code": None, "errors": {"code": WRONG_SETUP_CODE}}
        return pages.render(request, "totp_setup.html", again, user=visit.user, status_code=400)
    context = {"recovery_codes": codes, "just_turned_on": True}
    return pages.render(request, "recovery_codes.html", context, user=visit.user)


@router.post("/account/mfa/recovery-codes")
async def regenerate_recovery_codes(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = RegenerateRecoveryCodesCommand(
        user_id=visit.user.id,
        password=form.get("regenerate_password", ""),
        code=form.get("regenerate_code", "").strip(),
    )
    regenerate = container.regenerate_recovery_codes()
    try:
        codes = await password_work(request).run(lambda: regenerate.execute(command))
    except (InvalidCurrentPassword, InvalidMfaCode) as wrong:
        errors = _password_or_code_error(wrong, "regenerate")
        return await account_page(request, visit, pages, container, errors=errors, status_code=400)
    context = {"recovery_codes": codes, "just_turned_on": False}
    return pages.render(request, "recovery_codes.html", context, user=visit.user)


@router.post("/account/mfa/totp/disable")
async def disable_totp(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = DisableTotpCommand(
        user_id=visit.user.id,
        password=form.get("disable_password", ""),
        code=form.get("disable_code", "").strip(),
    )
    disable = container.disable_totp()
    try:
        await password_work(request).run(lambda: disable.execute(command))
    except (InvalidCurrentPassword, InvalidMfaCode) as wrong:
        errors = _password_or_code_error(wrong, "disable")
        return await account_page(request, visit, pages, container, errors=errors, status_code=400)
    return see_other(f"{ACCOUNT}?notice=totp_disabled")


def _password_or_code_error(
    wrong: InvalidCurrentPassword | InvalidMfaCode, form_name: str
) -> FieldErrors:
    """The message next to the field of the account page's form `form_name` that was wrong."""
    if isinstance(wrong, InvalidCurrentPassword):
        return {f"{form_name}_password": wrong.detail}
    return {f"{form_name}_code": WRONG_CODE}
