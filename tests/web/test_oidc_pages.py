"""Sign-in with a provider in the pages, over HTTP against a real provider on 127.0.0.1: the
buttons, the hand-over from the callback to /app/oidc/finish, and each outcome as a page."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.test_oidc_api import oidc_settings
from tests.support.oidc_provider import Provider, running_provider
from tests.web.conftest import browser, csrf_token, log_in, register


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def client(tmp_path: Path, provider: Provider) -> Iterator[TestClient]:
    with browser(tmp_path, **oidc_settings(provider)) as test_client:
        yield test_client


def provider_sign_in(client: TestClient, provider: Provider, email: str, **claims: object) -> str:
    """Through the provider as a new subject; the callback's answer must hand over to the
    pages without the code in any URL. Returns the subject."""
    subject = f"sub-{uuid.uuid4().hex[:8]}"
    provider.set_user(subject, email=email, **claims)
    started = client.get("/auth/oidc/mock/authorize")
    assert started.status_code == 302
    back = provider.approve(started.headers["location"], subject)
    answer = client.get(back.split("8000", 1)[1])
    assert (answer.status_code, answer.headers["location"]) == (302, "/app/oidc/finish")
    cookie = answer.headers["set-cookie"].lower()
    assert "tessera_oidc_login=" in cookie
    assert "path=/app/oidc" in cookie
    assert "httponly" in cookie
    return subject


def finish(client: TestClient) -> Response:
    response: Response = client.get("/app/oidc/finish")
    return response


def test_the_login_and_register_pages_offer_each_provider(client: TestClient) -> None:
    for page in ("/app/login", "/app/register"):
        html = client.get(page).text
        assert 'href="/auth/oidc/mock/authorize">Sign in with Mock ID</a>' in html


def test_a_provider_sign_in_ends_with_the_session_cookie(
    client: TestClient, provider: Provider
) -> None:
    provider_sign_in(client, provider, "olga@example.com", email_verified=True)
    done = finish(client)
    assert (done.status_code, done.headers["location"]) == (303, "/app/")
    assert "tessera_session=" in done.headers["set-cookie"]
    assert "olga" in client.get("/app/").text
    assert finish(client).status_code == 400  # the code went with the first visit


def test_an_existing_email_is_told_to_link_from_the_account_page(
    client: TestClient, provider: Provider
) -> None:
    register(client, "alice")
    provider_sign_in(client, provider, "alice@example.com", email_verified=True)
    refused = finish(client)
    assert refused.status_code == 409
    assert "log in to it and link the provider" in refused.text


def test_a_second_factor_is_asked_in_the_page(client: TestClient, provider: Provider) -> None:
    subject = provider_sign_in(client, provider, "pia@example.com", email_verified=True)
    assert finish(client).status_code == 303
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.uow() as uow:
        identity = uow.identities.find("mock", subject)
        user = uow.users.get_for_update(identity.user_id)
        user.mfa_enabled = True
        uow.users.update(user)
        uow.commit()
    client.cookies.clear()
    started = client.get("/auth/oidc/mock/authorize")
    client.get(provider.approve(started.headers["location"], subject).split("8000", 1)[1])
    second_step = finish(client)
    assert second_step.status_code == 200
    assert 'name="mfa_token"' in second_step.text
    assert "tessera_session=" not in second_step.headers.get("set-cookie", "")


def test_a_state_from_another_browser_is_an_error_page(
    client: TestClient, provider: Provider
) -> None:
    started = client.get("/auth/oidc/mock/authorize")
    provider.set_user("quinn", email="quinn@example.com", email_verified=True)
    back = provider.approve(started.headers["location"], "quinn").split("8000", 1)[1]
    client.cookies.clear()  # another browser
    answer = client.get(back, headers={"accept": "text/html"})
    assert answer.headers["location"] == "/app/oidc/failed?error=invalid_oidc_state"
    page = client.get(answer.headers["location"])
    assert page.status_code == 400
    assert "started in another browser" in page.text


def test_the_last_way_to_sign_in_is_kept_on_the_account_page(
    client: TestClient, provider: Provider
) -> None:
    provider_sign_in(client, provider, "rita@example.com", email_verified=True)
    assert finish(client).status_code == 303
    account = client.get("/app/account")
    assert "Linked sign-in providers" in account.text
    assert "This account has no password" in account.text
    identity_id = account.text.split('name="identity_id" value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": csrf_token(account.text), "identity_id": identity_id}
    refused = client.post("/app/account/identities/unlink", data=form)
    assert refused.status_code == 409
    assert "last way to sign in" in refused.text


def test_linking_from_the_account_page_starts_a_link_flow(
    client: TestClient, provider: Provider
) -> None:
    register(client, "sam")
    log_in(client, "sam")
    account = client.get("/app/account")
    form = {"csrf_token": csrf_token(account.text), "provider": "mock"}
    page = client.post("/app/account/identities/link", data=form)
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.text
    assert "tessera_oidc_state=" in page.headers["set-cookie"]
    forged = client.post("/app/account/identities/link", data={"provider": "mock"})
    assert forged.status_code == 403  # no CSRF token
