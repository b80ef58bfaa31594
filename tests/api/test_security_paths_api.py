"""Security paths the ordinary flows do not reach: the proxy fallbacks of the client address, the
database's own uniqueness backstop, the 500 body, and the test-mode worker header."""

import os
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

import application.use_cases.account.update_profile
import application.use_cases.auth.register_user
from infrastructure.container import build_container
from interfaces.http.app import create_app
from interfaces.http.client import client_ip
from tests.api.conftest import STRONG_PASSWORD, Api, bearer, make_settings

PROXY = "10.0.0.1"
INNER_PROXY = "10.0.0.2"
TRUSTED = frozenset({PROXY, INNER_PROXY})


def request_from(peer: str, forwarded_for: str | None) -> Request:
    headers = [] if forwarded_for is None else [(b"x-forwarded-for", forwarded_for.encode())]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # an untrusted peer: header ignored
        (PROXY, "203.0.113.7", "203.0.113.7"),
        (PROXY, f"192.0.2.1, 203.0.113.7, {INNER_PROXY}", "203.0.113.7"),  # nearest untrusted
        (PROXY, "2001:db8::5", "2001:db8::5"),
        (PROXY, "not-an-ip", PROXY),  # the nearest untrusted hop is garbage: the proxy itself
        (PROXY, "203.0.113.7, unknown", PROXY),  # not the hop before the garbage either
        (PROXY, f"{INNER_PROXY}, {PROXY}", PROXY),  # only trusted hops
        (PROXY, "", PROXY),
        (PROXY, " , ", PROXY),
        (PROXY, None, PROXY),
    ],
)
def test_the_client_address_behind_trusted_proxies(
    peer: str, forwarded_for: str | None, expected: str
) -> None:
    assert client_ip(request_from(peer, forwarded_for), TRUSTED) == expected


def test_forged_non_ip_forwarded_entries_all_count_as_the_proxy_for_the_per_ip_limit(
    tmp_path: Path,
) -> None:
    """Were each garbage entry taken as an address, every attempt would get a fresh per-IP count."""
    settings = make_settings(
        tmp_path, trusted_proxies="testclient", login_max_attempts_per_ip_per_minute=3
    )
    with TestClient(create_app(build_container(settings))) as client:
        statuses = [
            client.post(
                "/auth/login",
                json={"username": f"user{n}", "password": "not the password"},
                headers={"X-Forwarded-For": f"forged-{n}"},
            ).status_code
            for n in range(4)
        ]
    assert statuses == [401, 401, 401, 429]


@pytest.fixture
def no_friendly_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the use cases' early checks, as a concurrent registration slips past them."""
    for module in (
        application.use_cases.auth.register_user,
        application.use_cases.account.update_profile,
    ):
        monkeypatch.setattr(module, "ensure_username_free", lambda *_, **__: None)
        monkeypatch.setattr(module, "ensure_email_free", lambda *_, **__: None)


@pytest.mark.usefixtures("no_friendly_checks")
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"username": "ALICE", "email": "other@example.com"}, "username_taken"),
        ({"username": "bob", "email": "Alice@Example.com"}, "email_taken"),
    ],
)
def test_the_database_refuses_a_taken_name_at_registration(
    api: Api, body: dict[str, str], code: str
) -> None:
    api.register("alice")
    response = api.client.post("/auth/register", json={**body, "password": STRONG_PASSWORD})
    assert (response.status_code, response.json()["code"]) == (409, code)
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.usefixtures("no_friendly_checks")
@pytest.mark.parametrize(
    ("change", "code"),
    [({"username": "Alice"}, "username_taken"), ({"email": "ALICE@example.com"}, "email_taken")],
)
def test_the_database_refuses_a_taken_name_in_a_profile_change(
    api: Api, change: dict[str, str], code: str
) -> None:
    api.register("alice")
    token = api.registered_token("bob")
    response = api.client.patch("/users/me", headers=bearer(token), json=change)
    assert (response.status_code, response.json()["code"]) == (409, code)
    assert api.client.get("/users/me", headers=bearer(token)).json()["username"] == "bob"


def test_an_unexpected_error_is_a_generic_500_in_the_contracts_shape(tmp_path: Path) -> None:
    app = create_app(build_container(make_settings(tmp_path)))
    secret = "s3cr3t internal detail"

    async def fail() -> None:
        raise RuntimeError(secret)

    app.add_api_route("/fail", fail)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/fail")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "internal_error"}
    assert response.headers["content-type"] == "application/json"
    assert secret not in response.text
    assert "Traceback" not in response.text


def test_only_test_mode_names_the_worker(tmp_path: Path) -> None:
    test_mode = make_settings(tmp_path)
    with TestClient(create_app(build_container(test_mode))) as client:
        assert client.get("/health").headers["x-tessera-worker"] == str(os.getpid())
    development = make_settings(
        tmp_path, environment="development", secret_key=secrets.token_urlsafe(48)
    )
    with TestClient(create_app(build_container(development))) as client:
        assert "x-tessera-worker" not in client.get("/health").headers
