import uuid
from collections.abc import Collection
from dataclasses import dataclass

from application.errors import InvalidRedirectUri, UnknownProvider
from application.ports.clock import Clock
from application.ports.identity_provider import IdentityProviders
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from application.secret_tokens import hash_secret_token, new_secret_token
from application.services.throttling import Throttle
from domain.identities import OidcFlow


@dataclass(frozen=True, kw_only=True)
class StartOidcSignInCommand:
    provider: str
    redirect_uri: str | None = None
    """Where an API client wants its login code; None: the web pages."""
    link_user_id: uuid.UUID | None = None
    """The signed-in caller, when the identity is to be linked to their account."""


@dataclass(frozen=True)
class OidcStart:
    authorization_url: str
    browser_binding: str
    """The value of the state cookie: the callback must come from the browser that holds it."""


@dataclass(frozen=True, kw_only=True)
class StartOidcSignIn:
    """Start signing in (or linking, with a bearer token) through an OpenID Connect provider:
    a 302 to the provider, with the authorization code flow, PKCE (S256), `state` and `nonce`.

    Rules: an unknown provider is 404; a `redirect_uri` (for API clients, who receive a
    single-use `login_code` there) must be one of `OIDC_REDIRECT_ALLOWLIST` exactly, else 400
    `invalid_redirect_uri`; without one the flow ends on the web pages. `state`, `nonce` and the
    PKCE verifier are random, single use and expire after 10 minutes; the state is bound to
    this browser by a short-lived HttpOnly cookie, so that a callback from another browser is
    refused (login CSRF). Each start stores a flow, so starts are limited per IP (429).
    """

    uow: UnitOfWork
    providers: IdentityProviders
    clock: Clock
    throttle: Throttle
    redirect_allowlist: Collection[str]

    def execute(self, command: StartOidcSignInCommand) -> OidcStart:
        provider = self.providers.get(command.provider)
        if provider is None:
            raise UnknownProvider()
        if command.redirect_uri is not None and command.redirect_uri not in self.redirect_allowlist:
            raise InvalidRedirectUri()
        self.throttle.oidc_flow(current_request().ip)
        state, nonce, verifier, binding = (new_secret_token() for _ in range(4))
        now = self.clock.now()
        with self.uow as uow:
            uow.oidc_flows.delete_expired(now)
            uow.oidc_flows.add(
                OidcFlow.start(
                    state_hash=hash_secret_token(state),
                    provider=provider.name,
                    nonce=nonce,
                    code_verifier=verifier,
                    browser_hash=hash_secret_token(binding),
                    redirect_uri=command.redirect_uri,
                    link_user_id=command.link_user_id,
                    now=now,
                )
            )
            uow.commit()
        url = provider.authorization_url(state=state, nonce=nonce, code_verifier=verifier)
        return OidcStart(authorization_url=url, browser_binding=binding)
