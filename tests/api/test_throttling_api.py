"""LOGIN 28-33 through HTTP: per-account and per-IP throttling, 429 with Retry-After."""

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, Api, make_settings
from tests.services import require_redis
from tests.unit.fakes import RecordingEmailSender

WRONG = "not the password!"


def attempt(client: TestClient, name: str, password: str, **headers: str) -> int:
    response = client.post(
        "/auth/login", json={"username": name, "password": password}, headers=headers
    )
    return int(response.status_code)


def test_an_account_locks_after_five_failures_whatever_the_ip_or_name(api: Api) -> None:
    api.register()
    api.register("bob")
    names = ["alice", "ALICE", "alice@example.com", "Alice@Example.COM", "alice"]
    for number, name in enumerate(names):
        assert attempt(api.client, name, WRONG, **{"X-Forwarded-For": f"10.0.0.{number}"}) == 401
    locked = api.client.post("/auth/login", json={"username": "alice", "password": STRONG_PASSWORD})
    assert (locked.status_code, locked.json()["code"]) == (429, "too_many_attempts")
    assert int(locked.headers["retry-after"]) > 0
    form = api.client.post("/auth/token", data={"username": "alice", "password": STRONG_PASSWORD})
    assert form.status_code == 429
    assert attempt(api.client, "bob", STRONG_PASSWORD) == 200  # others are unaffected


def test_unknown_names_lock_the_same_way(client: TestClient) -> None:
    for _ in range(5):
        assert attempt(client, "ghost", WRONG) == 401
    assert attempt(client, "ghost", WRONG) == 429


def test_success_clears_failures(api: Api) -> None:
    api.register()
    for _ in range(4):
        assert attempt(api.client, "alice", WRONG) == 401
    assert attempt(api.client, "alice", STRONG_PASSWORD) == 200
    for _ in range(4):
        assert attempt(api.client, "alice", WRONG) == 401
    assert attempt(api.client, "alice", STRONG_PASSWORD) == 200


def test_a_locked_account_can_still_reset_its_password(
    api: Api, emails: RecordingEmailSender
) -> None:
    api.register()
    for _ in range(5):
        attempt(api.client, "alice", WRONG)
    assert attempt(api.client, "alice", STRONG_PASSWORD) == 429
    assert (
        api.client.post("/auth/forgot-password", json={"email": "alice@example.com"}).status_code
        == 202
    )
    new_password = "a brand new passphrase 7"
    reset = api.client.post(
        "/auth/reset-password", json={"token": emails.last_token(), "new_password": new_password}
    )
    assert reset.status_code == 204
    assert attempt(api.client, "alice", new_password) == 200


def test_one_ip_gets_at_most_the_configured_attempts_per_minute(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, login_max_attempts_per_ip_per_minute=3, login_max_failures=100
    )
    with TestClient(create_app(build_container(settings))) as client:
        statuses = [attempt(client, f"user{n}", WRONG) for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    """TestClient's peer is "testclient"; trusting it makes X-Forwarded-For the client address."""
    limits = {"login_max_attempts_per_ip_per_minute": 2, "login_max_failures": 100}
    untrusted = make_settings(tmp_path, **limits)
    with TestClient(create_app(build_container(untrusted))) as client:
        statuses = [
            attempt(client, f"u{n}", WRONG, **{"X-Forwarded-For": f"10.0.0.{n}"}) for n in range(3)
        ]
    assert statuses == [401, 401, 429]  # the header was ignored: one client
    trusted = make_settings(tmp_path, trusted_proxies="testclient", **limits)
    with TestClient(create_app(build_container(trusted))) as client:
        statuses = [
            attempt(client, f"u{n}", WRONG, **{"X-Forwarded-For": f"10.0.0.{n}"}) for n in range(3)
        ]
    assert statuses == [401, 401, 401]  # three clients behind the proxy


def test_forgot_password_is_rate_limited(client: TestClient) -> None:
    statuses = [
        client.post("/auth/forgot-password", json={"email": "a@example.com"}).status_code
        for _ in range(6)
    ]
    assert statuses == [202] * 5 + [429]


def test_two_app_instances_share_the_count_through_redis(tmp_path: Path) -> None:
    """Two processes' worth of app, one database, one Redis: failures on either lock both."""
    settings = make_settings(tmp_path, redis_url=require_redis())
    first = TestClient(create_app(build_container(settings)))
    second = TestClient(create_app(build_container(settings)))
    with first, second:
        name = f"shared{uuid.uuid4().hex[:8]}"
        Api(first).register(name)
        for client in (first, first, first, second, second):
            assert attempt(client, name, WRONG) == 401
        assert attempt(first, name, STRONG_PASSWORD) == 429
        assert attempt(second, name, STRONG_PASSWORD) == 429


def test_a_trailing_space_answers_alike_for_known_and_unknown_names(api: Api) -> None:
    """The lookup reads "alice " as no account: its throttle key must not be "alice" either."""
    api.register()
    for name in ("alice", "ghost"):
        for _ in range(5):
            assert attempt(api.client, name, WRONG) == 401
        assert attempt(api.client, name, WRONG) == 429
    assert attempt(api.client, "alice ", WRONG) == 401
    assert attempt(api.client, "ghost ", WRONG) == 401


@pytest.mark.parametrize(
    ("method", "path"), [("PATCH", "/users/me/deactivate"), ("DELETE", "/users/me")]
)
def test_wrong_passwords_to_close_an_account_are_throttled(
    api: Api, method: str, path: str
) -> None:
    token = api.registered_token()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(5):
        wrong = api.client.request(method, path, headers=headers, json={"password": WRONG})
        assert wrong.status_code == 400
    locked = api.client.request(method, path, headers=headers, json={"password": STRONG_PASSWORD})
    assert (locked.status_code, locked.json()["code"]) == (429, "too_many_attempts")
    assert int(locked.headers["retry-after"]) > 0
    assert api.client.get("/users/me", headers=headers).status_code == 200  # nothing was closed
    assert attempt(api.client, "alice", STRONG_PASSWORD) == 429  # one count per account
