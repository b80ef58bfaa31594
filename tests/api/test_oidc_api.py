"""Sign-in with an OpenID Connect provider, over the API, against a real provider on 127.0.0.1
(tests/support/oidc_provider.py), on SQLite and PostgreSQL.

SECURITY.md 71-75: the state bound to the browser (71), tokens never in a URL and redirect_uri
from the allowlist only (73), no silent account takeover (74), deactivated accounts and the
audit trail (75). The ID token's checks (72) are in tests/adapters/test_oidc_provider.py, and
one of them end to end here.
"""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from httpx import Response

from application.ports.audit import AuditEventType
from application.ports.repositories import AuditFilter
from infrastructure.container import Container
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.api.conftest import API_BACKENDS, STRONG_PASSWORD, Api, bearer, settings_on_backend
from tests.api.test_mfa_api import MfaApi, ShiftedClock
from tests.support.oidc_provider import Forger, Provider, query_of, running_provider

REDIRECT_URI = "https://client.example/signed-in"
PROVIDER = "mock"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def oidc_settings(provider: Provider) -> dict[str, Any]:
    return {
        "oidc_providers": PROVIDER,
        "oidc_mock_issuer": provider.issuer,
        "oidc_mock_client_id": "tessera",
        "oidc_mock_client_secret": "tessera-secret",
        "oidc_mock_display_name": "Mock ID",
        "oidc_redirect_allowlist": f"{REDIRECT_URI}, https://other.example/cb",
    }


@pytest.fixture(params=API_BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path, provider: Provider) -> Settings:
    return settings_on_backend(request, tmp_path, **oidc_settings(provider))


@pytest.fixture
def clock(container: Container) -> ShiftedClock:
    shifted = ShiftedClock()
    container.clock.override(providers.Object(shifted))
    return shifted


@pytest.fixture
def client(container: Container, clock: ShiftedClock) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def honest_provider(provider: Provider) -> Iterator[None]:
    provider.forger.rewrite, provider.forger.publish_key = None, False
    yield
    provider.forger.rewrite, provider.forger.publish_key = None, False


class Oidc:
    """The steps of a provider sign-in, as a browser and an API client take them."""

    def __init__(self, client: TestClient, provider: Provider) -> None:
        self.client = client
        self.provider = provider

    def authorize(
        self,
        *,
        redirect_uri: str | None = REDIRECT_URI,
        token: str | None = None,
        link: bool = False,
        client: TestClient | None = None,
    ) -> Response:
        params: dict[str, str] = {}
        if redirect_uri is not None:
            params["redirect_uri"] = redirect_uri
        if link:
            params["link"] = "true"
        response: Response = (client or self.client).get(
            f"/auth/oidc/{PROVIDER}/authorize",
            params=params,
            headers=bearer(token) if token else {},
            follow_redirects=False,
        )
        return response

    def at_provider(self, subject: str, **start: Any) -> str:
        """Start, and sign in at the provider as `subject`: the provider's redirect back."""
        started = self.authorize(**start)
        assert started.status_code == 302, started.text
        return self.provider.approve(started.headers["location"], subject)

    def callback(self, back: str, client: TestClient | None = None) -> Response:
        parts = back.split("/auth/oidc/", 1)[1]
        response: Response = (client or self.client).get(
            f"/auth/oidc/{parts}", follow_redirects=False
        )
        return response

    def login_code(self, subject: str, **start: Any) -> str:
        back = self.callback(self.at_provider(subject, **start))
        assert back.status_code == 302, back.text
        location = back.headers["location"]
        assert location.startswith(start.get("redirect_uri", REDIRECT_URI))
        returned = query_of(location)
        assert set(returned) == {"login_code"}, location  # nothing else, no token
        return returned["login_code"]

    def exchange(self, login_code: str) -> Response:
        response: Response = self.client.post(
            "/auth/oidc/exchange", json={"login_code": login_code}
        )
        return response

    def sign_in(self, subject: str, **start: Any) -> dict[str, Any]:
        response = self.exchange(self.login_code(subject, **start))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def identities(self, token: str) -> list[dict[str, Any]]:
        response = self.client.get("/users/me/identities", headers=bearer(token))
        assert response.status_code == 200, response.text
        return list(response.json())


@pytest.fixture
def oidc(client: TestClient, provider: Provider) -> Oidc:
    return Oidc(client, provider)


def subject() -> str:
    return f"sub-{uuid.uuid4().hex[:12]}"


def audited(container: Container, event_type: AuditEventType) -> list[dict[str, Any]]:
    with container.uow().read_only() as uow:
        events = uow.audit_events.list(AuditFilter(event_type=event_type), limit=100, after=None)
    return [{"user_id": str(event.user_id), **event.details} for event in events]


def update_user(container: Container, username: str, **changes: Any) -> None:
    with container.uow() as uow:
        found = uow.users.get_by_username(username)
        assert found is not None
        user = uow.users.get_for_update(found.id)
        assert user is not None
        for name, value in changes.items():
            setattr(user, name, value)
        uow.users.update(user)
        uow.commit()


# --- Providers, accounts, linking -----------------------------------------------------------


def test_the_configured_providers_are_listed(client: TestClient) -> None:
    response = client.get("/auth/oidc/providers")
    assert response.status_code == 200
    assert response.json() == [{"name": PROVIDER, "display_name": "Mock ID"}]


def test_an_unknown_provider_is_404(oidc: Oidc) -> None:
    response = oidc.client.get("/auth/oidc/nope/authorize", follow_redirects=False)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_first_sign_in_creates_an_account_without_a_password(
    oidc: Oidc, provider: Provider, container: Container
) -> None:
    sub = subject()
    provider.set_user(sub, email="Carol.Doe@Example.com", email_verified=True, name="Carol Doe")
    signed_in = oidc.sign_in(sub)
    user = signed_in["user"]
    assert user["email"] == "carol.doe@example.com"
    assert user["username"] == "carol.doe"  # from the email, as no preferred_username came
    assert (user["email_verified"], user["has_password"]) == (True, False)
    me = oidc.client.get("/users/me", headers=bearer(signed_in["access_token"]))
    assert me.json()["id"] == user["id"]
    [identity] = oidc.identities(signed_in["access_token"])
    assert (identity["provider"], identity["email"]) == (PROVIDER, "carol.doe@example.com")
    assert [e["user_id"] for e in audited(container, AuditEventType.OIDC_LOGIN)] == [user["id"]]
    linked = audited(container, AuditEventType.IDENTITY_LINKED)
    assert [(e["user_id"], e["provider"]) for e in linked] == [(user["id"], PROVIDER)]


def test_the_second_sign_in_signs_in_the_same_account(oidc: Oidc, provider: Provider) -> None:
    sub = subject()
    provider.set_user(sub, email="dan@example.com", email_verified=False)
    first = oidc.sign_in(sub)["user"]
    second = oidc.sign_in(sub)["user"]
    assert second["id"] == first["id"]
    assert second["email_verified"] is False  # as the provider asserted it


def test_a_taken_username_gets_a_suffix(oidc: Oidc, provider: Provider, api: Api) -> None:
    api.register("erin")
    sub = subject()
    provider.set_user(sub, email="erin@elsewhere.example", email_verified=True)
    username = oidc.sign_in(sub)["user"]["username"]
    assert username.startswith("erin-")


def test_an_email_match_links_when_both_sides_are_verified_and_there_is_no_mfa(
    oidc: Oidc, provider: Provider, api: Api, container: Container
) -> None:
    alice = api.register("alice")
    update_user(container, "alice", email_verified=True)
    sub = subject()
    provider.set_user(sub, email="alice@example.com", email_verified=True)
    signed_in = oidc.sign_in(sub)
    assert signed_in["user"]["id"] == alice["id"]
    assert len(oidc.identities(signed_in["access_token"])) == 1


@pytest.mark.parametrize(
    ("provider_verified", "local_verified", "mfa"),
    [(False, True, False), (True, False, False), (True, True, True)],
    ids=["provider-unverified", "local-unverified", "local-mfa-on"],
)
def test_an_email_match_is_refused_otherwise(
    oidc: Oidc,
    provider: Provider,
    api: Api,
    container: Container,
    provider_verified: bool,
    local_verified: bool,
    mfa: bool,
) -> None:
    api.register("alice")
    update_user(container, "alice", email_verified=local_verified, mfa_enabled=mfa)
    sub = subject()
    provider.set_user(sub, email="alice@example.com", email_verified=provider_verified)
    response = oidc.exchange(oidc.login_code(sub))
    assert (response.status_code, response.json()["code"]) == (409, "account_exists")
    assert "link" in response.json()["detail"]
    with container.uow().read_only() as uow:
        assert uow.identities.find(PROVIDER, sub) is None
    refused = audited(container, AuditEventType.OIDC_FAILED)
    assert [e["reason"] for e in refused] == ["account_exists"]


def test_link_and_unlink_over_the_api(
    oidc: Oidc, provider: Provider, api: Api, container: Container
) -> None:
    token = api.registered_token("alice")
    sub = subject()
    # Another email entirely: linking while signed in needs no email match.
    provider.set_user(sub, email="alice.work@corp.example", email_verified=False)
    signed_in = oidc.sign_in(sub, token=token, link=True)
    assert signed_in["user"]["username"] == "alice"
    [identity] = oidc.identities(token)
    assert identity["email"] == "alice.work@corp.example"
    # Linked: the provider now signs in to alice.
    assert oidc.sign_in(sub)["user"]["username"] == "alice"
    gone = oidc.client.delete(f"/users/me/identities/{identity['id']}", headers=bearer(token))
    assert gone.status_code == 204
    assert oidc.identities(token) == []
    again = oidc.client.delete(f"/users/me/identities/{identity['id']}", headers=bearer(token))
    assert again.status_code == 404
    unlinked = audited(container, AuditEventType.IDENTITY_UNLINKED)
    assert [e["identity_id"] for e in unlinked] == [identity["id"]]


def test_linking_needs_the_bearer_token(oidc: Oidc) -> None:
    response = oidc.authorize(link=True)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_an_identity_of_another_account_is_not_linked(
    oidc: Oidc, provider: Provider, api: Api
) -> None:
    sub = subject()
    provider.set_user(sub, email="frank@example.com", email_verified=True)
    oidc.sign_in(sub)
    token = api.registered_token("alice")
    response = oidc.exchange(oidc.login_code(sub, token=token, link=True))
    assert (response.status_code, response.json()["code"]) == (409, "account_exists")
    assert oidc.identities(token) == []


def test_the_last_credential_cannot_be_unlinked(oidc: Oidc, provider: Provider, api: Api) -> None:
    sub = subject()
    provider.set_user(sub, email="gina@example.com", email_verified=True)
    token = oidc.sign_in(sub)["access_token"]
    [identity] = oidc.identities(token)
    response = oidc.client.delete(f"/users/me/identities/{identity['id']}", headers=bearer(token))
    assert (response.status_code, response.json()["code"]) == (409, "last_credential")
    assert len(oidc.identities(token)) == 1


def test_a_deactivated_account_cannot_sign_in_through_a_provider(
    oidc: Oidc, provider: Provider, container: Container
) -> None:
    sub = subject()
    provider.set_user(sub, email="hank@example.com", email_verified=True)
    username = oidc.sign_in(sub)["user"]["username"]
    update_user(container, username, is_active=False)
    response = oidc.exchange(oidc.login_code(sub))
    assert (response.status_code, response.json()["code"]) == (403, "account_inactive")
    refused = audited(container, AuditEventType.OIDC_FAILED)
    assert [e["reason"] for e in refused] == ["account_inactive"]


def test_mfa_is_still_required_after_a_provider_sign_in(
    oidc: Oidc, provider: Provider, api: Api, clock: ShiftedClock
) -> None:
    mfa = MfaApi(api, clock)
    enrolled = mfa.enroll("alice")
    sub = subject()
    provider.set_user(sub, email="alice@corp.example", email_verified=True)
    linking = oidc.exchange(oidc.login_code(sub, token=enrolled.token, link=True))
    assert (linking.status_code, linking.json()["code"]) == (401, "mfa_required")
    response = oidc.exchange(oidc.login_code(sub))
    assert (response.status_code, response.json()["code"]) == (401, "mfa_required")
    assert "access_token" not in response.json()
    verified = mfa.verify(response.json()["mfa_token"], enrolled.app.next_code())
    assert verified.status_code == 200, verified.text
    assert verified.json()["user"]["username"] == "alice"


# --- Attacks ------------------------------------------------------------------------------


def test_a_state_from_another_browser_is_refused(
    oidc: Oidc, provider: Provider, container: Container
) -> None:
    """Login CSRF: the attacker's own callback (their code, their state) opened in the victim's
    browser, which holds no state cookie or one of its own flow."""
    sub = subject()
    provider.set_user(sub, email="mallory@example.com", email_verified=True)
    attackers = oidc.at_provider(sub)
    victim = TestClient(oidc.client.app)
    assert oidc.authorize(client=victim).status_code == 302  # the victim's own flow
    own_flow: dict[str, str] = dict(victim.cookies)
    assert set(own_flow) == {"tessera_oidc_state"}
    for browser_cookies in (own_flow, {}):
        victim.cookies = browser_cookies
        response = oidc.callback(attackers, client=victim)
        assert (response.status_code, response.json()["code"]) == (400, "invalid_oidc_state")
        assert "location" not in response.headers
    reasons = [e["reason"] for e in audited(container, AuditEventType.OIDC_FAILED)]
    assert reasons == ["foreign_state"]  # the second try found the state spent already
    # Spent by that attempt: not even the attacker's own browser can use it now.
    assert oidc.callback(attackers).status_code == 400


def test_a_replayed_state_is_refused(oidc: Oidc, provider: Provider) -> None:
    sub = subject()
    provider.set_user(sub, email="ivan@example.com", email_verified=True)
    back = oidc.at_provider(sub)
    assert oidc.callback(back).status_code == 302
    replayed = oidc.callback(back)
    assert (replayed.status_code, replayed.json()["code"]) == (400, "invalid_oidc_state")


def test_a_state_older_than_ten_minutes_is_refused(
    oidc: Oidc, provider: Provider, clock: ShiftedClock
) -> None:
    sub = subject()
    provider.set_user(sub, email="judy@example.com", email_verified=True)
    back = oidc.at_provider(sub)
    clock.advance(timedelta(minutes=10, seconds=1))
    response = oidc.callback(back)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_oidc_state")


def test_a_callback_without_a_known_state_is_refused(oidc: Oidc) -> None:
    for query in ("code=x", "code=x&state=made-up"):
        response = oidc.client.get(f"/auth/oidc/{PROVIDER}/callback?{query}")
        assert (response.status_code, response.json()["code"]) == (400, "invalid_oidc_state")


def test_a_redirect_uri_off_the_allowlist_is_refused(oidc: Oidc) -> None:
    for uri in (
        "https://evil.example/steal",
        f"{REDIRECT_URI}/more",
        f"{REDIRECT_URI}?x=1",
        "https://client.example/signed-in#frag",
    ):
        response = oidc.authorize(redirect_uri=uri)
        assert (response.status_code, response.json()["code"]) == (400, "invalid_redirect_uri")
        assert "set-cookie" not in response.headers


def test_the_flow_sends_state_nonce_and_pkce_s256_and_a_bound_cookie(oidc: Oidc) -> None:
    response = oidc.authorize()
    sent = query_of(response.headers["location"])
    assert sent["code_challenge_method"] == "S256"
    assert len(sent["code_challenge"]) == 43
    assert len(sent["state"]) >= 43
    assert len(sent["nonce"]) >= 43
    assert sent["redirect_uri"] == f"http://localhost:8000/auth/oidc/{PROVIDER}/callback"
    cookie = response.headers["set-cookie"].lower()
    for attribute in ("httponly", "samesite=lax", "path=/auth/oidc", "max-age=600"):
        assert attribute in cookie


def test_a_denied_or_failed_provider_step_returns_an_error_and_no_code(
    oidc: Oidc, provider: Provider, container: Container
) -> None:
    started = oidc.authorize()
    denied = provider.deny(started.headers["location"])
    # The mock provider leaves the state out of a denial; a real one sends it back (RFC 6749,
    # 4.1.2.1), as here.
    state = query_of(started.headers["location"])["state"]
    back = oidc.callback(f"{denied}&state={state}")
    assert back.status_code == 302
    assert query_of(back.headers["location"]) == {"error": "oidc_error"}
    # An ID token that does not verify ends the same way.
    sub = subject()
    provider.set_user(sub, email="kim@example.com", email_verified=True)
    provider.forger.rewrite = Forger.tamper(lambda claims: {**claims, "sub": "someone-else"})
    back = oidc.callback(oidc.at_provider(sub))
    assert query_of(back.headers["location"]) == {"error": "oidc_error"}
    reasons = [e["reason"] for e in audited(container, AuditEventType.OIDC_FAILED)]
    assert sorted(reasons) == ["provider_error", "provider_step_failed"]


def test_a_login_code_works_once(oidc: Oidc, provider: Provider) -> None:
    sub = subject()
    provider.set_user(sub, email="liam@example.com", email_verified=True)
    code = oidc.login_code(sub)
    assert oidc.exchange(code).status_code == 200
    again = oidc.exchange(code)
    assert (again.status_code, again.json()["code"]) == (400, "invalid_login_code")


def test_a_login_code_expires_after_sixty_seconds(
    oidc: Oidc, provider: Provider, clock: ShiftedClock
) -> None:
    sub = subject()
    provider.set_user(sub, email="mia@example.com", email_verified=True)
    code = oidc.login_code(sub)
    clock.advance(timedelta(seconds=61))
    late = oidc.exchange(code)
    assert (late.status_code, late.json()["code"]) == (400, "invalid_login_code")


def test_an_unknown_login_code_is_400(oidc: Oidc) -> None:
    response = oidc.exchange("not-a-code")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_login_code")


def test_an_account_made_by_a_provider_has_no_password_to_log_in_with(
    oidc: Oidc, provider: Provider
) -> None:
    sub = subject()
    provider.set_user(sub, email="nora@example.com", email_verified=True)
    username = oidc.sign_in(sub)["user"]["username"]
    for password in ("", STRONG_PASSWORD):
        response = oidc.client.post(
            "/auth/login", json={"username": username, "password": password or "x"}
        )
        assert response.status_code == 401
