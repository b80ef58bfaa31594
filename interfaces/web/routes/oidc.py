"""Sign-in with an external provider, in the pages: the end of the flow (the provider's callback
hands over to /app/oidc/finish), and the account page's linked providers (link, unlink)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from application.errors import (
    AccountInactive,
    EmailNotVerified,
    InvalidLoginCode,
    InvalidOidcState,
    MfaRequired,
    OidcError,
)
from application.use_cases.oidc.exchange_login_code import ExchangeLoginCodeCommand
from application.use_cases.oidc.start_oidc_sign_in import StartOidcSignInCommand
from application.use_cases.oidc.unlink_identity import UnlinkIdentityCommand
from domain.errors import AccountExists, IdentityNotFound, LastCredential
from infrastructure.container import Container
from interfaces.http.errors import status_of
from interfaces.http.oidc_cookies import OidcCookies
from interfaces.web.cookies import new_csrf_secret
from interfaces.web.dependencies import ContainerDep, Form, PagesDep, Visit, in_worker
from interfaces.web.errors import error_page
from interfaces.web.pages import see_other
from interfaces.web.routes.account import ACCOUNT, account_page
from interfaces.web.routes.mfa import second_step_page

router = APIRouter()

REFUSED = (AccountExists, AccountInactive, EmailNotVerified, InvalidLoginCode)
FAILURES = {error.code: error.message for error in (InvalidOidcState, OidcError)}


def oidc_cookies(container: Container) -> OidcCookies:
    return OidcCookies(secure=container.settings().public_base_is_https)


@router.get("/oidc/finish")
async def finish(
    request: Request,
    pages: PagesDep,
    container: ContainerDep,
    linked: Annotated[bool, Query()] = False,
) -> Response:
    """The provider step succeeded: exchange its login code (from the HttpOnly cookie the
    callback set) for a session, a second step, or the reason there is none."""
    cookies = oidc_cookies(container)
    code = cookies.web_login_code(request)
    target = f"{ACCOUNT}?notice=identity_linked" if linked else "/app/"
    exchange = container.exchange_login_code_in_browser()
    response: Response
    try:
        if code is None:
            raise InvalidLoginCode()
        signed_in = await in_worker(
            request, lambda: exchange.execute(ExchangeLoginCodeCommand(code))
        )
    except MfaRequired as second_step:
        response = second_step_page(
            request,
            pages,
            mfa_token=second_step.mfa_token,
            next_path=target,
            methods=second_step.methods,
        )
    except REFUSED as refused:
        context = {"next": "/app/", "form": {}, "error": refused.detail}
        response = pages.render(request, "login.html", context, status_code=status_of(refused))
    else:
        response = see_other(target)
        # A new session key and a new CSRF secret, as after a password login.
        pages.cookies.set_session(response, signed_in.key)
        pages.cookies.set_csrf(response, new_csrf_secret())
    cookies.clear_web_login_code(response)
    return response


@router.get("/oidc/failed")
async def failed(
    request: Request, error: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    explanation = FAILURES.get(error or "", OidcError.message)
    return await error_page(request, 400, explanation, link=("/app/login", "Back to log in"))


@router.post("/account/identities/link")
async def link(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    command = StartOidcSignInCommand(
        provider=form.get("provider", ""), redirect_uri=None, link_user_id=visit.user.id
    )
    start = container.start_oidc_sign_in()
    started = await in_worker(request, lambda: start.execute(command))
    provider = container.identity_providers().get(command.provider)
    # A page that moves on by itself, not a redirect: the pages' CSP (form-action 'self') keeps
    # a form's answer from redirecting to another site, and the pages need no script.
    context = {
        "authorization_url": started.authorization_url,
        "display_name": provider.display_name if provider else command.provider,
    }
    response = pages.render(request, "oidc_continue.html", context, user=visit.user)
    oidc_cookies(container).set_state(response, started.browser_binding)
    return response


@router.post("/account/identities/unlink")
async def unlink(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    try:
        identity_id = uuid.UUID(form.get("identity_id", ""))
    except ValueError:
        raise IdentityNotFound() from None
    unlink_identity = container.unlink_identity()
    command = UnlinkIdentityCommand(user_id=visit.user.id, identity_id=identity_id)
    try:
        await in_worker(request, lambda: unlink_identity.execute(command))
    except LastCredential as last:
        return await account_page(
            request, visit, pages, container, identity_error=last.detail, status_code=409
        )
    return see_other(f"{ACCOUNT}?notice=identity_unlinked")
