"""OpenID Connect providers through Authlib: discovery, the authorization code flow with PKCE
(S256), and the ID token verified with joserfc against the provider's published keys.

No JOSE is written here: Authlib builds the requests, joserfc checks signatures and claims.
"""

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client.errors import OAuthError

with warnings.catch_warnings():
    # Authlib would rather have the httpx2 fork; the project uses httpx (pinned, as Authlib is).
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from application.ports.identity_provider import (
    IdentityProvider,
    ProviderStepFailed,
    VerifiedClaims,
)
from infrastructure.settings import OidcProviderSettings, ProviderUnusable

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10.0
CLOCK_SKEW_SECONDS = 60
"""Leeway for `exp` and `iat` between the provider's clock and ours."""
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                         "ES512", "EdDSA")  # fmt: skip
"""What an ID token may be signed with: the provider's published keys only. Never `none`, and
never HS256 (a token MACed with the client secret proves nothing a client could not forge)."""


class AuthlibIdentityProvider:
    """One provider, its metadata found once through discovery, when it is built."""

    def __init__(
        self,
        settings: OidcProviderSettings,
        *,
        callback_url: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._callback_url = callback_url
        self._transport = transport
        self._metadata = self._discover()
        self._keys: KeySet | None = None

    @property
    def name(self) -> str:
        return self._settings.name

    @property
    def display_name(self) -> str:
        return self._settings.display_name

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        with self._client() as client:
            url, _ = client.create_authorization_url(
                self._metadata["authorization_endpoint"],
                state=state,
                nonce=nonce,
                code_verifier=code_verifier,
            )
        return str(url)

    def verified_claims(self, *, code: str, code_verifier: str, nonce: str) -> VerifiedClaims:
        try:
            with self._client() as client:
                token = client.fetch_token(
                    self._metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
                id_token = token.get("id_token")
                if not isinstance(id_token, str):
                    raise ProviderStepFailed("the token response has no ID token")
                claims = self._verify(id_token, nonce)
                if "email" not in claims and self._metadata.get("userinfo_endpoint"):
                    claims = self._with_userinfo(client, claims)
        except (OAuthError, httpx.HTTPError, ValueError, KeyError) as error:
            raise ProviderStepFailed(f"{type(error).__name__}: {error}") from None
        return _claims(claims)

    def _verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's signature with the provider's keys, then its claims (OpenID Connect
        Core 1.0, 3.1.3.7): iss, aud (and azp), exp, iat, nonce."""
        try:
            decoded = self._decode(id_token, self._key_set(refresh=False))
        except JoseError:
            # The provider may have rotated its keys since they were fetched: once more, fresh.
            try:
                decoded = self._decode(id_token, self._key_set(refresh=True))
            except JoseError as error:
                raise ProviderStepFailed(f"ID token signature: {error}") from None
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_SKEW_SECONDS,
            iss={"essential": True, "value": self._metadata["issuer"]},
            aud={"essential": True, "value": self._settings.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as error:
            raise ProviderStepFailed(f"ID token claims: {error}") from None
        audience = decoded.claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and decoded.claims.get("azp") != self._settings.client_id:
            raise ProviderStepFailed("ID token claims: azp is not this client")
        return dict(decoded.claims)

    def _decode(self, id_token: str, keys: KeySet) -> jwt.Token:
        return jwt.decode(id_token, keys, algorithms=self._algorithms())

    def _algorithms(self) -> list[str]:
        advertised = self._metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        return [name for name in advertised if name in ASYMMETRIC_ALGORITHMS]

    def _key_set(self, *, refresh: bool) -> KeySet:
        if self._keys is None or refresh:
            response = self._http().get(self._metadata["jwks_uri"])
            try:
                response.raise_for_status()
                self._keys = KeySet.import_key_set(response.json())
            except (httpx.HTTPError, ValueError, JoseError) as error:
                raise ProviderStepFailed(f"the provider's keys: {error}") from None
        return self._keys

    def _with_userinfo(self, client: OAuth2Client, claims: dict[str, Any]) -> dict[str, Any]:
        """Some providers put the email in the userinfo answer only; its `sub` must match."""
        response = client.get(self._metadata["userinfo_endpoint"])
        response.raise_for_status()
        info = response.json()
        if not isinstance(info, dict) or info.get("sub") != claims["sub"]:
            raise ProviderStepFailed("userinfo is for another subject")
        return {**info, **claims}

    def _discover(self) -> dict[str, Any]:
        url = f"{self._settings.issuer}/.well-known/openid-configuration"
        try:
            response = self._http().get(url)
            response.raise_for_status()
            metadata = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderUnusable(f"discovery at {url} failed: {type(error).__name__}") from None
        if not isinstance(metadata, dict):
            raise ProviderUnusable(f"discovery at {url} did not answer a JSON object")
        missing = [
            key
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if not isinstance(metadata.get(key), str)
        ]
        if missing:
            raise ProviderUnusable(f"discovery at {url} lacks {', '.join(missing)}")
        # OpenID Connect Discovery 1.0, 4.3: the issuer must be the one the URL was built from.
        if metadata["issuer"].rstrip("/") != self._settings.issuer:
            raise ProviderUnusable(
                f"discovery at {url} names another issuer ({metadata['issuer']!r})"
            )
        return metadata

    def _http(self) -> httpx.Client:
        return httpx.Client(timeout=HTTP_TIMEOUT_SECONDS, transport=self._transport)

    def _client(self) -> OAuth2Client:
        secret = self._settings.client_secret
        return OAuth2Client(
            client_id=self._settings.client_id,
            client_secret=secret,
            scope=self._settings.scopes,
            redirect_uri=self._callback_url,
            code_challenge_method="S256",
            # A public client (no secret) authenticates by its PKCE verifier alone.
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            timeout=HTTP_TIMEOUT_SECONDS,
            transport=self._transport,
        )


def _claims(claims: dict[str, Any]) -> VerifiedClaims:
    def text(name: str) -> str | None:
        value = claims.get(name)
        return value if isinstance(value, str) and value else None

    verified = claims.get("email_verified")
    return VerifiedClaims(
        subject=str(claims["sub"]),
        email=text("email"),
        # Some providers send "true" as a string; anything else is not an assertion.
        email_verified=verified is True or verified == "true",
        name=text("name"),
        preferred_username=text("preferred_username"),
    )


class ConfiguredProviders:
    """The providers of OIDC_PROVIDERS, in that order."""

    def __init__(self, providers: Sequence[IdentityProvider]) -> None:
        self._providers = {provider.name: provider for provider in providers}

    def get(self, name: str) -> IdentityProvider | None:
        return self._providers.get(name)

    def all(self) -> Sequence[IdentityProvider]:
        return list(self._providers.values())


def configured_providers(
    settings: Sequence[OidcProviderSettings],
    public_base_url: str,
    transport: httpx.BaseTransport | None = None,
) -> ConfiguredProviders:
    """Each provider discovered now: one that cannot be is a configuration mistake
    (ProviderUnusable), to stop the start rather than fail every sign-in later."""
    base = public_base_url.rstrip("/")
    return ConfiguredProviders(
        [
            AuthlibIdentityProvider(
                provider,
                callback_url=f"{base}/auth/oidc/{provider.name}/callback",
                transport=transport,
            )
            for provider in settings
        ]
    )
