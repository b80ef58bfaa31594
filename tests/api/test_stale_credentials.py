"""Credentials that outlive what they were issued for: reset links after the account moved on, and
access tokens after their session expired."""

from datetime import timedelta

import pytest
from dependency_injector import providers

from infrastructure.container import Container
from tests.api.conftest import STRONG_PASSWORD, Api, bearer
from tests.unit.fakes import FakeClock, RecordingEmailSender

NEW_PASSWORD = "purple monkey dishwasher quietly"


def request_reset_link(api: Api, emails: RecordingEmailSender, email: str) -> str:
    response = api.client.post("/auth/forgot-password", json={"email": email})
    assert response.status_code == 202, response.text
    return emails.last_token()


def reset(api: Api, token: str) -> tuple[int, str | None]:
    response = api.client.post(
        "/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    return response.status_code, (response.json() or {}).get("code") if response.content else None


def test_a_reset_link_sent_to_the_old_address_dies_with_an_email_change(
    api: Api, emails: RecordingEmailSender
) -> None:
    token = api.registered_token("alice")
    link = request_reset_link(api, emails, "alice@example.com")

    changed = api.client.patch(
        "/users/me", headers=bearer(token), json={"email": "alice@elsewhere.example"}
    )
    assert changed.status_code == 200, changed.text

    assert reset(api, link) == (400, "invalid_reset_token")
    assert api.login("alice", STRONG_PASSWORD)["user"]["email"] == "alice@elsewhere.example"


def test_a_reset_link_dies_with_a_password_change(api: Api, emails: RecordingEmailSender) -> None:
    token = api.registered_token("alice")
    link = request_reset_link(api, emails, "alice@example.com")

    changed = api.client.patch(
        "/users/me/password",
        headers=bearer(token),
        json={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text

    assert reset(api, link) == (400, "invalid_reset_token")


def test_a_reset_link_dies_with_a_successful_reset(api: Api, emails: RecordingEmailSender) -> None:
    api.register("alice")
    first = request_reset_link(api, emails, "alice@example.com")
    second = request_reset_link(api, emails, "alice@example.com")  # voids the first

    assert reset(api, first) == (400, "invalid_reset_token")
    assert reset(api, second) == (204, None)
    assert reset(api, second) == (400, "invalid_reset_token")


@pytest.fixture
def clock(container: Container) -> FakeClock:
    """The app's clock, set by the test (requested before `api`, so the app is built with it)."""
    fake = FakeClock()
    container.clock.override(providers.Object(fake))
    return fake


def test_an_access_token_never_outlives_its_sessions_absolute_expiry(
    clock: FakeClock, api: Api
) -> None:
    api.register("alice")
    pair = api.login("alice")
    # Thirty days (SESSION_MAX_LIFETIME_DAYS) minus five minutes on, refreshing daily meanwhile
    # (a session unused for REFRESH_TOKEN_EXPIRE_DAYS expires too).
    for _ in range(29):
        clock.advance(timedelta(days=1))
        pair = api.client.post(
            "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        ).json()
    clock.advance(timedelta(days=1) - timedelta(minutes=5))
    refreshed = api.client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    access_token = refreshed.json()["access_token"]  # valid for fifteen minutes
    assert api.client.get("/users/me", headers=bearer(access_token)).status_code == 200

    clock.advance(timedelta(minutes=6))  # the session is over; the token is not yet

    response = api.client.get("/users/me", headers=bearer(access_token))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
