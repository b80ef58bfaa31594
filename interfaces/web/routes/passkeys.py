"""Passkeys in the pages: add and remove them on the account page, sign in with one, and use one
as the second step of a login.

The WebAuthn ceremonies run in the browser (`navigator.credentials`), so adding and signing in
are JSON routes that the pages' own script (static/passkeys.js) calls: options first, then the
credential the browser made from them. They are checked like forms (the CSRF token in the
`X-CSRF-Token` header, the Origin) and answer refusals in JSON (errors.py). A success names the
page to go to next; the script follows it. Removing a passkey needs no script: a plain form.
"""

import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from application.errors import (
    InvalidCurrentPassword,
    InvalidMfaCode,
    InvalidMfaToken,
    RefusedMfaCode,
)
from application.use_cases.mfa.verify_mfa import VerifyMfaCommand
from application.use_cases.passkeys.begin_passkey_login import BeginPasskeyLoginCommand
from application.use_cases.passkeys.begin_passkey_registration import (
    BeginPasskeyRegistrationCommand,
)
from application.use_cases.passkeys.passkey_login import PasskeyLoginCommand
from application.use_cases.passkeys.register_passkey import RegisterPasskeyCommand
from application.use_cases.passkeys.remove_passkey import RemovePasskeyCommand
from domain.errors import LastCredential
from domain.passkeys import validate_passkey_name
from interfaces.web.dependencies import (
    ContainerDep,
    Form,
    JsonBody,
    MalformedJson,
    PagesDep,
    Visit,
    answers_in_json,
    in_worker,
)
from interfaces.web.forms import local_path, optional_text
from interfaces.web.pages import PAGE_HEADERS, Pages, see_other
from interfaces.web.routes.account import ACCOUNT, account_page, password_work

router = APIRouter()
json_router = APIRouter(dependencies=[Depends(answers_in_json)])

WRONG_PASSKEY = "That passkey could not be used. Try again, or enter a code."


def _text(body: dict[str, Any], name: str) -> str | None:
    """An optional text of the script's JSON: empty is not given, anything but text is bad input."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MalformedJson()
    return value


def _credential(body: dict[str, Any]) -> dict[str, Any]:
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise MalformedJson()
    return credential


def go_to(url: str, pages: Pages | None = None, *, signed_in_key: str | None = None) -> Response:
    """A success: the page the script opens next; with `signed_in_key`, the browser's new
    session, set as a password login sets it (a new CSRF secret too)."""
    response = JSONResponse({"redirect": url}, headers=PAGE_HEADERS)
    if pages is not None and signed_in_key is not None:
        pages.cookies.start_session(response, signed_in_key)
    return response


# --- The account page ----------------------------------------------------------------------


@json_router.post("/account/passkeys/options")
async def registration_options(
    request: Request, visit: Visit, body: JsonBody, container: ContainerDep
) -> Response:
    command = BeginPasskeyRegistrationCommand(
        user_id=visit.user.id,
        password=_text(body, "passkey_password"),
        code=optional_text(_text(body, "passkey_code")),
    )
    # The name is checked again when the passkey is added; checked now too, a wrong one is told
    # before the authenticator makes a passkey the site would then refuse.
    validate_passkey_name(_text(body, "passkey_name") or "")
    begin = container.begin_passkey_registration()
    options = await password_work(request).run(lambda: begin.execute(command))
    return JSONResponse(options, headers=PAGE_HEADERS)


@json_router.post("/account/passkeys")
async def add_passkey(visit: Visit, body: JsonBody, container: ContainerDep) -> Response:
    command = RegisterPasskeyCommand(
        user_id=visit.user.id, credential=_credential(body), name=_text(body, "passkey_name") or ""
    )
    register = container.register_passkey()
    await run_in_threadpool(register.execute, command)
    return go_to(f"{ACCOUNT}?notice=passkey_added#passkeys")


@router.post("/account/passkeys/{passkey_id}/remove")
async def remove_passkey(
    request: Request,
    passkey_id: uuid.UUID,
    visit: Visit,
    form: Form,
    pages: PagesDep,
    container: ContainerDep,
) -> Response:
    field = f"remove_password-{passkey_id}"
    command = RemovePasskeyCommand(
        user_id=visit.user.id,
        passkey_id=passkey_id,
        password=form.get("password") or None,
        code=optional_text(form.get("code")),
    )
    remove = container.remove_passkey()
    try:
        await password_work(request).run(lambda: remove.execute(command))
    except (InvalidCurrentPassword, InvalidMfaCode, LastCredential) as refused:
        status = 409 if isinstance(refused, LastCredential) else 400
        errors = {field: refused.detail}
        return await account_page(
            request, visit, pages, container, errors=errors, status_code=status
        )
    return see_other(f"{ACCOUNT}?notice=passkey_removed")


# --- Signing in ----------------------------------------------------------------------------


@json_router.post("/login/passkey/options")
async def sign_in_options(body: JsonBody, container: ContainerDep) -> Response:
    # No name asked: the browser offers the passkeys it has for this site, and the options say
    # nothing of any account. The second step of a login uses these too (its token names the
    # account; the use case checks the passkey is that account's).
    begin = container.begin_passkey_login()
    options = await run_in_threadpool(begin.execute, BeginPasskeyLoginCommand())
    return JSONResponse(options, headers=PAGE_HEADERS)


@json_router.post("/login/passkey")
async def sign_in(
    request: Request, body: JsonBody, pages: PagesDep, container: ContainerDep
) -> Response:
    target = local_path(_text(body, "next"))
    command = PasskeyLoginCommand(_credential(body))
    passkey_login = container.passkey_login_in_browser()
    signed_in = await in_worker(request, lambda: passkey_login.execute(command))
    return go_to(target, pages, signed_in_key=signed_in.key)


@json_router.post("/login/second-factor/passkey")
async def second_step(body: JsonBody, pages: PagesDep, container: ContainerDep) -> Response:
    target = local_path(_text(body, "next"))
    command = VerifyMfaCommand(mfa_token=_text(body, "mfa_token") or "", passkey=_credential(body))
    verify = container.verify_mfa_in_browser()
    try:
        # Off the event loop in any case: the account throttle may ask Redis.
        signed_in = await run_in_threadpool(verify.execute, command)
    except RefusedMfaCode as refused:
        # The token is not spent: the page stays, to try again or to enter a code.
        return JSONResponse(
            {"detail": WRONG_PASSKEY, "code": refused.code}, status_code=401, headers=PAGE_HEADERS
        )
    except InvalidMfaToken as expired:
        # Expired, spent, or void since: the first step again, as the code form does.
        again = f"/app/login?notice=second_step_expired&next={quote(target, safe='/')}"
        answer = {"detail": expired.detail, "code": expired.code, "redirect": again}
        return JSONResponse(answer, status_code=401, headers=PAGE_HEADERS)
    return go_to(target, pages, signed_in_key=signed_in.key)
