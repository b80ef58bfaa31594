"""The account page: profile, password, sessions, and leaving (deactivate or delete).

One page, several forms: each form POSTs to its own route, which redirects back (303) on success
or shows the whole page again with the message next to the wrong field.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from application.errors import InvalidCurrentPassword, SessionNotFound
from application.use_cases.account.change_password import ChangePasswordCommand
from application.use_cases.account.deactivate_account import DeactivateAccountCommand
from application.use_cases.account.delete_account import DeleteAccountCommand
from application.use_cases.account.update_profile import UpdateProfileCommand
from application.use_cases.auth.authenticate_browser_session import BrowserVisit
from application.use_cases.auth.manage_sessions import RevokeSessionCommand
from application.use_cases.oidc.list_identities import ListIdentitiesQuery
from application.use_cases.passkeys.list_passkeys import ListPasskeysQuery
from domain.errors import DomainError
from infrastructure.container import Container
from interfaces.http.password_work import PasswordWork
from interfaces.web.cookies import new_csrf_secret
from interfaces.web.dependencies import ContainerDep, Form, PagesDep, Visit, in_worker
from interfaces.web.forms import FieldErrors, field_errors, optional_text, without_secrets
from interfaces.web.pages import Pages, see_other

router = APIRouter(prefix="/account")

ACCOUNT = "/app/account"


def password_work(request: Request) -> PasswordWork:
    work: PasswordWork = request.app.state.password_work
    return work


async def account_page(
    request: Request,
    visit: BrowserVisit,
    pages: Pages,
    container: Container,
    *,
    form: Mapping[str, str] | None = None,
    errors: FieldErrors | None = None,
    identity_error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The whole page; `form` and `errors` when one of its forms is shown again."""
    list_sessions = container.list_sessions()
    sessions = await in_worker(request, lambda: list_sessions.execute(visit.user))
    list_passkeys = container.list_passkeys()
    passkeys = await in_worker(
        request, lambda: list_passkeys.execute(ListPasskeysQuery(user_id=visit.user.id))
    )
    list_identities = container.list_identities()
    identities = await in_worker(
        request, lambda: list_identities.execute(ListIdentitiesQuery(user_id=visit.user.id))
    )
    user = visit.user
    profile: dict[str, Any] = {
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name or "",
        **(form or {}),
    }
    context = {
        "account": user,
        "form": profile,
        "errors": errors or {},
        "sessions": sessions,
        "passkeys": passkeys,
        "this_session_id": visit.session.id,
        "identities": identities,
        "identity_error": identity_error,
        "provider_names": {
            provider.name: provider.display_name
            for provider in container.identity_providers().all()
        },
    }
    return pages.render(request, "account.html", context, user=user, status_code=status_code)


@router.get("")
async def show_account(
    request: Request, visit: Visit, pages: PagesDep, container: ContainerDep
) -> Response:
    return await account_page(request, visit, pages, container)


@router.post("/profile")
async def update_profile(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = UpdateProfileCommand(
        user_id=visit.user.id,
        username=form.get("username", "").strip(),
        email=form.get("email", "").strip(),
        full_name=optional_text(form.get("full_name")),
    )
    update = container.update_profile()
    try:
        updated = await in_worker(request, lambda: update.execute(command))
    except DomainError as error:
        errors = field_errors(error)
        if errors is None:
            raise
        return await account_page(
            request,
            visit,
            pages,
            container,
            form=without_secrets(form),
            errors=errors,
            status_code=422,
        )
    # A new address is unverified and was sent a link (UpdateProfile): say where to look.
    notice = "email_changed" if updated.email != visit.user.email else "profile_saved"
    return see_other(f"{ACCOUNT}?notice={notice}")


@router.post("/verify-email")
async def request_verification(visit: Visit, form: Form, container: ContainerDep) -> Response:
    request_verification = container.request_email_verification()
    # Throttled per user: a rate limiter (maybe Redis) besides the database, so off the loop.
    await run_in_threadpool(lambda: request_verification.execute(visit.user))
    return see_other(f"{ACCOUNT}?notice=verification_sent")


@router.post("/password")
async def change_password(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = ChangePasswordCommand(
        user_id=visit.user.id,
        current_password=form.get("current_password", ""),
        new_password=form.get("new_password", ""),
    )
    change = container.change_password_in_browser()
    try:
        signed_in = await password_work(request).run(lambda: change.execute(command))
    except InvalidCurrentPassword as wrong:
        wrong_field = {"current_password": wrong.detail}
        return await account_page(
            request, visit, pages, container, errors=wrong_field, status_code=400
        )
    except DomainError as error:
        errors = field_errors(error)
        if errors is None:
            raise
        return await account_page(request, visit, pages, container, errors=errors, status_code=422)
    # Every other session ended with the old password; this browser goes on under a new key,
    # and with a new CSRF secret, as after a login.
    response = see_other(f"{ACCOUNT}?notice=password_changed")
    pages.cookies.start_session(response, signed_in.key)
    return response


@router.post("/sessions/revoke")
async def revoke_session(
    request: Request, visit: Visit, form: Form, container: ContainerDep
) -> Response:
    try:
        session_id = uuid.UUID(form.get("session_id", ""))
    except ValueError:
        raise SessionNotFound() from None
    command = RevokeSessionCommand(actor=visit.user, session_id=session_id)
    revoke = container.revoke_session()
    await in_worker(request, lambda: revoke.execute(command))
    return see_other(f"{ACCOUNT}?notice=session_revoked")


@router.post("/logout-all")
async def logout_everywhere(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    logout_all = container.logout_everywhere()
    await in_worker(request, lambda: logout_all.execute(visit.user))
    return signed_out(pages, "logged_out_everywhere")


@router.post("/deactivate")
async def deactivate(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = DeactivateAccountCommand(
        user_id=visit.user.id, password=form.get("deactivate_password", "")
    )
    deactivate_account = container.deactivate_account()
    try:
        await password_work(request).run(lambda: deactivate_account.execute(command))
    except InvalidCurrentPassword as wrong:
        errors = {"deactivate_password": wrong.detail}
        return await account_page(request, visit, pages, container, errors=errors, status_code=400)
    return signed_out(pages, "account_deactivated")


@router.post("/delete")
async def delete(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = DeleteAccountCommand(user_id=visit.user.id, password=form.get("delete_password", ""))
    delete_account = container.delete_account()
    try:
        await password_work(request).run(lambda: delete_account.execute(command))
    except InvalidCurrentPassword as wrong:
        errors = {"delete_password": wrong.detail}
        return await account_page(request, visit, pages, container, errors=errors, status_code=400)
    return signed_out(pages, "account_deleted")


def signed_out(pages: Pages, notice: str) -> Response:
    """This browser's session is over (the use case ended it): forget its cookie, as at logout."""
    response = see_other(f"/app/?notice={notice}")
    pages.cookies.clear_session(response)
    pages.cookies.set_csrf(response, new_csrf_secret())
    return response
