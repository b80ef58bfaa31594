"""SESSIONS 46-50 and the session rows of the /auth table."""

import threading
import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import STRONG_PASSWORD, Api, bearer

RACERS = 20


def refresh(client: TestClient, token: str) -> httpx.Response:
    response: httpx.Response = client.post("/auth/refresh", json={"refresh_token": token})
    return response


def test_refresh_rotates_the_token_and_keeps_the_session(api: Api) -> None:
    api.register()
    first = api.login()
    response = refresh(api.client, first["refresh_token"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["refresh_token"] != first["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    sessions = api.client.get("/auth/sessions", headers=bearer(body["access_token"])).json()
    assert len(sessions) == 1
    assert set(sessions[0]) == {"id", "created_at", "last_used_at", "user_agent", "ip"}
    assert sessions[0]["last_used_at"] >= sessions[0]["created_at"]


def test_replaying_a_spent_token_revokes_the_session(api: Api) -> None:
    api.register()
    first = api.login()
    second = refresh(api.client, first["refresh_token"]).json()
    replay = refresh(api.client, first["refresh_token"])
    assert (replay.status_code, replay.json()["code"]) == (401, "invalid_refresh_token")
    assert replay.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert refresh(api.client, second["refresh_token"]).status_code == 401
    assert api.client.get("/users/me", headers=bearer(second["access_token"])).status_code == 401


def test_concurrent_refreshes_of_one_token_yield_exactly_one_pair(api: Api) -> None:
    api.register()
    token = api.login()["refresh_token"]
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []

    def race() -> None:
        barrier.wait()
        statuses.append(refresh(api.client, token).status_code)

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # The first to spend the token wins; every later one is a replay, which revokes the session.
    assert sorted(statuses) == [200] + [401] * (RACERS - 1)


@pytest.mark.parametrize("token", ["garbage", "", "x" * 5000])
def test_unknown_refresh_tokens(client: TestClient, token: str) -> None:
    response = refresh(client, token)
    assert response.status_code in (401, 422)


def test_an_access_token_is_no_refresh_token_and_vice_versa(api: Api) -> None:
    api.register()
    pair = api.login()
    assert refresh(api.client, pair["access_token"]).status_code == 401
    assert api.client.get("/users/me", headers=bearer(pair["refresh_token"])).status_code == 401


def test_logout_revokes_the_session_at_once(api: Api) -> None:
    api.register()
    phone, laptop = api.login(), api.login()
    for _ in range(2):  # 204 even when already revoked
        response = api.client.post("/auth/logout", json={"refresh_token": phone["refresh_token"]})
        assert response.status_code == 204
    assert api.client.get("/users/me", headers=bearer(phone["access_token"])).status_code == 401
    # A revoked token with "=" appended is no way around the revocation.
    padded = phone["access_token"] + "="
    assert api.client.get("/users/me", headers=bearer(padded)).status_code == 401
    assert refresh(api.client, phone["refresh_token"]).status_code == 401
    assert api.client.get("/users/me", headers=bearer(laptop["access_token"])).status_code == 200


def test_logout_all_covers_every_device(api: Api) -> None:
    api.register()
    phone, laptop = api.login(), api.login()
    response = api.client.post("/auth/logout-all", headers=bearer(laptop["access_token"]))
    assert response.status_code == 204
    for device in (phone, laptop):
        assert (
            api.client.get("/users/me", headers=bearer(device["access_token"])).status_code == 401
        )
        assert refresh(api.client, device["refresh_token"]).status_code == 401
    assert api.client.post("/auth/logout-all").status_code == 401


def test_sessions_list_and_revoke(api: Api) -> None:
    api.register()
    api.register("bob")
    phone = api.login()
    laptop = api.client.post(
        "/auth/login",
        json={"username": "alice", "password": STRONG_PASSWORD},
        headers={"User-Agent": "laptop-browser"},
    ).json()
    bob = api.login("bob")
    sessions: list[dict[str, Any]] = api.client.get(
        "/auth/sessions", headers=bearer(laptop["access_token"])
    ).json()
    assert len(sessions) == 2
    assert "laptop-browser" in [session["user_agent"] for session in sessions]
    bobs_session = api.client.get("/auth/sessions", headers=bearer(bob["access_token"])).json()[0]
    foreign = api.client.delete(
        f"/auth/sessions/{bobs_session['id']}", headers=bearer(laptop["access_token"])
    )
    assert foreign.status_code == 404
    missing = api.client.delete(
        f"/auth/sessions/{uuid.uuid4()}", headers=bearer(laptop["access_token"])
    )
    assert missing.status_code == 404
    phone_id = next(s["id"] for s in sessions if s["user_agent"] != "laptop-browser")
    revoked = api.client.delete(
        f"/auth/sessions/{phone_id}", headers=bearer(laptop["access_token"])
    )
    assert revoked.status_code == 204
    assert refresh(api.client, phone["refresh_token"]).status_code == 401
    assert api.client.get("/users/me", headers=bearer(phone["access_token"])).status_code == 401
    assert api.client.get("/users/me", headers=bearer(bob["access_token"])).status_code == 200
