"""The Authlib adapter of IdentityProvider against a real OpenID Connect provider on 127.0.0.1,
and the OIDC_* settings.

SECURITY.md 72: PKCE S256 is sent; the ID token's signature (the provider's published keys),
`iss`, `aud`, `exp`, `iat` and `nonce` are checked. The forger (tests/support/oidc_provider.py)
alters the token response the way an attacker between the two could; each refusal below has a
control (`test_a_token_resigned_with_a_published_key_is_accepted`) showing the forger's tokens
are otherwise good, so that the refusal is for the one thing changed.
"""

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from pydantic import ValidationError

from application.ports.identity_provider import ProviderStepFailed, VerifiedClaims
from infrastructure.oidc.authlib_provider import AuthlibIdentityProvider
from infrastructure.settings import OidcProviderSettings, ProviderUnusable, Settings
from tests.support.oidc_provider import (
    Forger,
    Provider,
    code_challenge_of,
    expired,
    query_of,
    running_provider,
)

CALLBACK = "http://localhost:8000/auth/oidc/mock/callback"
CLIENT_ID = "tessera"
SECRET = "tessera-client-secret-tessera-client-secret"
NONCE = "n-0123456789abcdef0123456789abcdef0123456789"
VERIFIER = "v-0123456789abcdef0123456789abcdef0123456789"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(autouse=True)
def honest_provider(provider: Provider) -> Iterator[None]:
    provider.forger.rewrite, provider.forger.publish_key = None, False
    yield
    provider.forger.rewrite, provider.forger.publish_key = None, False


def settings_for(issuer: str) -> OidcProviderSettings:
    return OidcProviderSettings(
        name="mock",
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        display_name="Mock ID",
        scopes="openid email profile",
    )


@pytest.fixture
def adapter(provider: Provider) -> AuthlibIdentityProvider:
    return AuthlibIdentityProvider(settings_for(provider.issuer), callback_url=CALLBACK)


def sign_in(
    provider: Provider, adapter: AuthlibIdentityProvider, *, nonce: str = NONCE
) -> VerifiedClaims:
    """Through the provider as "pat"; the claims verified with `nonce`."""
    provider.set_user("pat", email="pat@example.com", email_verified=True, name="Pat")
    url = adapter.authorization_url(state="some-state", nonce=NONCE, code_verifier=VERIFIER)
    back = query_of(provider.approve(url, "pat"))
    assert back["state"] == "some-state"
    return adapter.verified_claims(code=back["code"], code_verifier=VERIFIER, nonce=nonce)


def test_an_honest_sign_in_gives_the_verified_claims(
    provider: Provider, adapter: AuthlibIdentityProvider
) -> None:
    claims = sign_in(provider, adapter)
    assert claims == VerifiedClaims(
        subject="pat", email="pat@example.com", email_verified=True, name="Pat"
    )


def test_pkce_s256_is_sent_with_state_and_nonce(
    provider: Provider, adapter: AuthlibIdentityProvider
) -> None:
    url = adapter.authorization_url(state="s", nonce=NONCE, code_verifier=VERIFIER)
    sent = query_of(url)
    assert sent["code_challenge_method"] == "S256"
    assert sent["code_challenge"] == code_challenge_of(VERIFIER)
    assert (sent["state"], sent["nonce"], sent["redirect_uri"]) == ("s", NONCE, CALLBACK)
    assert (sent["response_type"], sent["client_id"]) == ("code", CLIENT_ID)
    sign_in(provider, adapter)
    assert provider.forger.token_requests[-1]["code_verifier"] == [VERIFIER]


def test_a_token_resigned_with_a_published_key_is_accepted(
    provider: Provider, adapter: AuthlibIdentityProvider
) -> None:
    """The control: what the forger signs verifies, when the provider publishes its key."""
    provider.forger.rewrite = provider.forger.resign(dict)
    assert sign_in(provider, adapter).subject == "pat"


def _future_iat(claims: dict[str, Any]) -> dict[str, Any]:
    return {**claims, "iat": int(time.time()) + 3600}


ATTACKS: dict[str, Callable[[Forger], Callable[[str], str]]] = {
    "tampered-payload": lambda f: f.tamper(lambda c: {**c, "email": "admin@example.com"}),
    "unknown-key": lambda f: f.unknown_key(),
    "wrong-aud": lambda f: f.resign(lambda c: {**c, "aud": "another-client"}),
    "wrong-iss": lambda f: f.resign(lambda c: {**c, "iss": "http://127.0.0.1:1"}),
    "wrong-nonce": lambda f: f.resign(lambda c: {**c, "nonce": "someone-elses"}),
    "no-nonce": lambda f: f.resign(lambda c: {k: v for k, v in c.items() if k != "nonce"}),
    "expired": lambda f: f.resign(expired),
    "issued-in-the-future": lambda f: f.resign(_future_iat),
    "no-exp": lambda f: f.resign(lambda c: {k: v for k, v in c.items() if k != "exp"}),
    "several-audiences-not-for-us": lambda f: f.resign(
        lambda c: {**c, "aud": [CLIENT_ID, "other"], "azp": "other"}
    ),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_forged_or_altered_id_token_is_refused(
    provider: Provider, adapter: AuthlibIdentityProvider, attack: str
) -> None:
    provider.forger.rewrite = ATTACKS[attack](provider.forger)
    with pytest.raises(ProviderStepFailed):
        sign_in(provider, adapter)


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


def _claims_of(id_token: str) -> dict[str, Any]:
    payload = id_token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return claims


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_an_id_token_without_the_providers_signature_is_refused(
    provider: Provider, adapter: AuthlibIdentityProvider, alg: str
) -> None:
    """alg none, and HS256 keyed with the client secret (which the client could forge)."""

    def rewrite(id_token: str) -> str:
        claims = _claims_of(id_token)
        if alg == "none":
            return _unsigned(claims)
        return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(SECRET))

    provider.forger.rewrite = rewrite
    with pytest.raises(ProviderStepFailed):
        sign_in(provider, adapter)


def test_a_wrong_nonce_on_our_side_is_refused(
    provider: Provider, adapter: AuthlibIdentityProvider
) -> None:
    """The nonce of another flow (a replayed ID token) does not match this flow's."""
    with pytest.raises(ProviderStepFailed):
        sign_in(provider, adapter, nonce="the-nonce-of-another-flow")


def test_a_code_the_provider_refuses_is_a_failed_step(adapter: AuthlibIdentityProvider) -> None:
    with pytest.raises(ProviderStepFailed):
        adapter.verified_claims(code="made-up", code_verifier=VERIFIER, nonce=NONCE)


def test_a_provider_that_cannot_be_discovered_is_unusable(provider: Provider) -> None:
    for issuer in ("http://127.0.0.1:1", f"{provider.issuer}/elsewhere"):
        with pytest.raises(ProviderUnusable):
            AuthlibIdentityProvider(settings_for(issuer), callback_url=CALLBACK)


def test_the_settings_name_each_providers_mistake() -> None:
    def settings(**values: str) -> Settings:
        return Settings(_env_file=None, environment="test", **values)  # type: ignore[arg-type]

    configured = settings(
        oidc_providers="Corp, google",
        oidc_corp_issuer="https://id.corp.example/realms/staff/",
        oidc_corp_client_id="tessera",
        oidc_google_issuer="https://accounts.google.com",
        oidc_google_client_id="123.apps.googleusercontent.com",
        oidc_google_client_secret="s3cret",
        oidc_google_display_name="Google",
    )
    corp, google = configured.oidc_provider_settings
    assert (corp.name, corp.issuer, corp.client_secret) == (
        "corp",
        "https://id.corp.example/realms/staff",
        None,
    )
    assert (corp.display_name, corp.scopes) == ("corp", "openid email profile")
    assert (google.display_name, google.client_secret) == ("Google", "s3cret")
    for values, words in [
        ({"oidc_providers": "corp"}, "OIDC_CORP_ISSUER"),
        ({"oidc_providers": "corp", "oidc_corp_issuer": "https://x.example"}, "CLIENT_ID"),
        ({"oidc_providers": "no way"}, "not a provider name"),
        (
            {
                "oidc_providers": "corp",
                "oidc_corp_issuer": "id.example",
                "oidc_corp_client_id": "t",
            },
            "http(s) URL",
        ),
    ]:
        with pytest.raises(ValidationError, match=words.replace("(", r"\(").replace(")", r"\)")):
            settings(**values)
