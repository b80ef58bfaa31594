"""LOGGING 51-53: the audit trail over HTTP, and what logs and audit rows must never contain."""

import logging
import re
from typing import Any

import pytest

from infrastructure.logging import JsonFormatter, SingleLineFormatter
from tests.api.conftest import STRONG_PASSWORD, Api, bearer
from tests.unit.fakes import RecordingEmailSender

NEW_PASSWORD = "a brand new passphrase 7"


def events(api: Api, admin_token: str, query: str = "") -> list[dict[str, object]]:
    response = api.client.get(f"/admin/audit-events{query}", headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def own_details(event: dict[str, Any]) -> dict[str, Any]:
    """An event's details less the request id that every event of a request carries."""
    details = dict(event["details"])
    assert re.fullmatch(r"[0-9a-f]{32}", details.pop("request_id")), event
    return details


def test_audit_events_are_listed_for_admins_only(api: Api, admin_token: str) -> None:
    user = api.registered_token("bob")
    refused = api.client.get("/admin/audit-events", headers=bearer(user))
    assert (refused.status_code, refused.json()["code"]) == (403, "admin_required")
    assert api.client.get("/admin/audit-events").status_code == 401
    listed = events(api, admin_token)
    assert {
        "id",
        "event_type",
        "user_id",
        "actor_id",
        "ip",
        "user_agent",
        "occurred_at",
        "details",
    } == set(listed[0])
    types = [event["event_type"] for event in listed]
    assert "permission_denied" in types  # bob's 403 above, naming bob
    denial = next(event for event in listed if event["event_type"] == "permission_denied")
    bob_id = api.client.get("/users/me", headers=bearer(user)).json()["id"]
    assert denial["user_id"] == bob_id
    assert "user_registered" in types
    assert "login_succeeded" in types


def test_filters_and_paging(api: Api, admin_token: str) -> None:
    bob = api.register("bob")
    for _ in range(3):
        api.client.post("/auth/login", json={"username": "bob", "password": "wrong one!!"})
    failed = events(api, admin_token, f"?event_type=login_failed&user_id={bob['id']}")
    assert [event["event_type"] for event in failed] == ["login_failed"] * 3
    first = api.client.get("/admin/audit-events?limit=2", headers=bearer(admin_token)).json()
    second = api.client.get(
        f"/admin/audit-events?limit=2&cursor={first['next_cursor']}", headers=bearer(admin_token)
    ).json()
    assert {e["id"] for e in first["items"]}.isdisjoint({e["id"] for e in second["items"]})
    assert (
        api.client.get(
            "/admin/audit-events?event_type=nonsense", headers=bearer(admin_token)
        ).status_code
        == 422
    )


def test_admin_actions_name_the_admin(api: Api, admin_token: str) -> None:
    bob = api.register("bob")
    api.client.patch(
        f"/admin/users/{bob['id']}/role", headers=bearer(admin_token), json={"role": "admin"}
    )
    api.client.patch(f"/admin/users/{bob['id']}/deactivate", headers=bearer(admin_token))
    root_id = api.client.get("/users/me", headers=bearer(admin_token)).json()["id"]
    trail = events(api, admin_token, f"?user_id={bob['id']}")
    by_type = {event["event_type"]: event for event in trail}
    assert by_type["role_changed"]["actor_id"] == root_id
    assert own_details(by_type["role_changed"]) == {"from": "user", "to": "admin"}
    assert by_type["account_deactivated"]["actor_id"] == root_id


def test_a_whole_session_leaves_no_secret_in_logs_or_audit_rows(
    api: Api, admin_token: str, emails: RecordingEmailSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [STRONG_PASSWORD, NEW_PASSWORD, "wrong password canary"]
    api.register("bob")
    secrets.append(emails.last_token())
    api.client.post("/auth/login", json={"username": "bob", "password": "wrong password canary"})
    pair = api.login("bob")
    secrets += [pair["access_token"], pair["refresh_token"]]
    refreshed = api.client.post(
        "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    ).json()
    secrets += [refreshed["access_token"], refreshed["refresh_token"]]
    api.client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})  # reuse
    api.client.post("/auth/forgot-password", json={"email": "bob@example.com"})
    secrets.append(emails.last_token())
    api.client.post(
        "/auth/reset-password", json={"token": emails.last_token(), "new_password": NEW_PASSWORD}
    )
    token = api.token("bob", NEW_PASSWORD)
    secrets.append(token)
    api.client.get("/users/me", headers=bearer(token + "tampered"))
    api.client.request(
        "DELETE", "/users/me", headers=bearer(token), json={"password": NEW_PASSWORD}
    )

    trail = api.client.get("/admin/audit-events?limit=100", headers=bearer(admin_token)).text
    logs = "\n".join(
        record.getMessage() + repr(getattr(record, "audit", "")) for record in caplog.records
    )
    types = {event["event_type"] for event in events(api, admin_token, "?limit=100")}
    assert {
        "user_registered",
        "login_failed",
        "login_succeeded",
        "token_refreshed",
        "refresh_token_reused",
        "password_reset_requested",
        "password_reset",
        "account_deleted",
    } <= types
    for text in (trail, logs):
        for secret in secrets:
            assert secret not in text
        assert "$argon2" not in text
        assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", text)  # no JWT at all


def test_a_crlf_in_a_login_name_stays_one_escaped_log_line(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tessera.audit")
    forged = "bob\r\n2026-01-01 INFO tessera.audit login_succeeded user=admin"
    api.client.post("/auth/login", json={"username": forged, "password": "whatever it is"})
    record = next(r for r in caplog.records if r.name == "tessera.audit")
    for formatter in (JsonFormatter(), SingleLineFormatter("%(message)s")):
        line = formatter.format(record)
        assert "\n" not in line
        assert "\r" not in line


def test_a_lockout_is_stored_once_and_an_unknown_name_not_at_all(
    api: Api, admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tessera.audit")
    typed_in_the_wrong_field = "my secret passphrase 42"
    for _ in range(5):
        api.client.post(
            "/auth/login", json={"username": typed_in_the_wrong_field, "password": "whatever 1"}
        )
    for _ in range(20):
        refused = api.client.post(
            "/auth/login", json={"username": typed_in_the_wrong_field, "password": "whatever 2"}
        )
        assert refused.status_code == 429
    failed = events(api, admin_token, "?event_type=login_failed")
    assert len(failed) == 5
    assert all(own_details(event) == {} for event in failed)
    throttled = events(api, admin_token, "?event_type=login_throttled")
    assert len(throttled) == 1
    assert own_details(throttled[0]) == {"limit": "account", "attempts": 5, "window_seconds": 900}
    logged = [
        r for r in caplog.records if getattr(r, "audit", {}).get("event_type") == "login_throttled"
    ]
    assert len(logged) == 20  # every refusal is still a log line
    assert (
        typed_in_the_wrong_field
        not in api.client.get("/admin/audit-events?limit=100", headers=bearer(admin_token)).text
    )
