"""Sign-in with an external OpenID Connect provider, and the caller's linked identities.

The browser goes to `/auth/oidc/{provider}/authorize`, signs in at the provider, and comes back
to `/auth/oidc/{provider}/callback`. An API client then finds a single-use `login_code` at its
redirect_uri and exchanges it at `POST /auth/oidc/exchange`; the web pages finish at
`/app/oidc/finish`. No token ever travels in a URL."""

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from application.errors import InvalidOidcState, InvalidRedirectUri, OidcError
from application.use_cases.oidc.complete_oidc_sign_in import (
    CompleteOidcSignIn,
    CompleteOidcSignInCommand,
)
from application.use_cases.oidc.exchange_login_code import (
    ExchangeLoginCode,
    ExchangeLoginCodeCommand,
)
from application.use_cases.oidc.list_identities import ListIdentities, ListIdentitiesQuery
from application.use_cases.oidc.start_oidc_sign_in import (
    StartOidcSignIn,
    StartOidcSignInCommand,
)
from application.use_cases.oidc.unlink_identity import UnlinkIdentity, UnlinkIdentityCommand
from interfaces.http.dependencies import CurrentUser, OptionalUser, container_of, use_case
from interfaces.http.errors import NotAuthenticated
from interfaces.http.oidc_cookies import (
    WEB_FAILURE_PATH,
    WEB_FINISH_PATH,
    OidcCookies,
)
from interfaces.http.openapi import documented_by, errors
from interfaces.http.schemas.oidc import IdentityResponse, LoginCodeExchange, ProviderResponse
from interfaces.http.schemas.users import LoginResponse

router = APIRouter(tags=["auth"])
identities_router = APIRouter(prefix="/users/me/identities", tags=["users"])


def redirect(description: str) -> dict[int | str, dict[str, Any]]:
    return {302: {"description": description}}


def oidc_cookies(request: Request) -> OidcCookies:
    return OidcCookies(secure=container_of(request).settings().public_base_is_https)


Cookies = Annotated[OidcCookies, Depends(oidc_cookies)]


@router.get(
    "/auth/oidc/providers",
    response_model=list[ProviderResponse],
    summary="The configured OpenID Connect providers.",
)
async def list_providers(request: Request) -> list[ProviderResponse]:
    """The providers one may sign in with (`OIDC_PROVIDERS`), in their configured order."""
    providers = container_of(request).identity_providers()
    return [
        ProviderResponse(name=provider.name, display_name=provider.display_name)
        for provider in providers.all()
    ]


@router.get(
    "/auth/oidc/{provider}/authorize",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses=redirect("To the provider.") | errors(400, 401, 404, 429),
    **documented_by(StartOidcSignIn),
)
async def authorize(
    request: Request,
    provider: str,
    caller: OptionalUser,
    cookies: Cookies,
    start: Annotated[StartOidcSignIn, Depends(use_case(lambda c: c.start_oidc_sign_in()))],
    redirect_uri: Annotated[str | None, Query(max_length=2000)] = None,
    link: bool = False,
) -> Response:
    if link and caller is None:
        raise NotAuthenticated()
    if redirect_uri is None and not container_of(request).settings().web_ui:
        raise InvalidRedirectUri()  # no web pages to end on
    command = StartOidcSignInCommand(
        provider=provider,
        redirect_uri=redirect_uri,
        link_user_id=caller.id if link and caller is not None else None,
    )
    started = await run_in_threadpool(start.execute, command)
    response = RedirectResponse(started.authorization_url, status_code=status.HTTP_302_FOUND)
    cookies.set_state(response, started.browser_binding)
    return response


@router.get(
    "/auth/oidc/{provider}/callback",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses=redirect("To the redirect_uri, or the web pages.") | errors(400),
    **documented_by(CompleteOidcSignIn),
)
async def callback(
    request: Request,
    provider: str,
    cookies: Cookies,
    complete: Annotated[CompleteOidcSignIn, Depends(use_case(lambda c: c.complete_oidc_sign_in()))],
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    error: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    command = CompleteOidcSignInCommand(
        provider=provider,
        state=state,
        code=code,
        error=error,
        browser_binding=cookies.state(request),
    )
    try:
        result = await run_in_threadpool(complete.execute, command)
    except (InvalidOidcState, OidcError) as failed:
        if _wants_a_page(request):
            response: Response = RedirectResponse(
                f"{WEB_FAILURE_PATH}?{urlencode({'error': failed.code})}",
                status_code=status.HTTP_302_FOUND,
            )
        else:
            response = JSONResponse({"detail": failed.detail, "code": failed.code}, status_code=400)
        cookies.clear_state(response)
        return response
    if result.redirect_uri is None:
        # The web pages: the code stays in an HttpOnly cookie, never in the page's URL.
        finish = f"{WEB_FINISH_PATH}?linked=true" if result.linked else WEB_FINISH_PATH
        response = RedirectResponse(finish, status_code=status.HTTP_302_FOUND)
        if result.login_code is not None:
            cookies.set_web_login_code(response, result.login_code)
    else:
        outcome = (
            {"login_code": result.login_code}
            if result.login_code is not None
            else {"error": result.error or OidcError.code}
        )
        response = RedirectResponse(
            _with_query(result.redirect_uri, outcome), status_code=status.HTTP_302_FOUND
        )
    cookies.clear_state(response)
    return response


@router.post(
    "/auth/oidc/exchange",
    response_model=LoginResponse,
    responses=errors(400, 401, 403, 409, 422),
    **documented_by(ExchangeLoginCode),
)
async def exchange(
    body: LoginCodeExchange,
    exchange_code: Annotated[
        ExchangeLoginCode, Depends(use_case(lambda c: c.exchange_login_code()))
    ],
) -> LoginResponse:
    command = ExchangeLoginCodeCommand(body.login_code)
    return LoginResponse.of(await run_in_threadpool(exchange_code.execute, command))


@identities_router.get(
    "",
    response_model=list[IdentityResponse],
    responses=errors(401, 403),
    **documented_by(ListIdentities),
)
async def list_identities(
    user: CurrentUser,
    list_them: Annotated[ListIdentities, Depends(use_case(lambda c: c.list_identities()))],
) -> list[IdentityResponse]:
    found = await run_in_threadpool(list_them.execute, ListIdentitiesQuery(user_id=user.id))
    return [IdentityResponse.of(identity) for identity in found]


@identities_router.delete(
    "/{identity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404, 409),
    **documented_by(UnlinkIdentity),
)
async def unlink_identity(
    identity_id: uuid.UUID,
    user: CurrentUser,
    unlink: Annotated[UnlinkIdentity, Depends(use_case(lambda c: c.unlink_identity()))],
) -> None:
    command = UnlinkIdentityCommand(user_id=user.id, identity_id=identity_id)
    await run_in_threadpool(unlink.execute, command)


def _wants_a_page(request: Request) -> bool:
    """A browser that asked for HTML gets a page; an API client the contract's JSON error."""
    return "text/html" in request.headers.get("accept", "")


def _with_query(uri: str, values: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = f"{parts.query}&{urlencode(values)}" if parts.query else urlencode(values)
    return urlunsplit(parts._replace(query=query))
