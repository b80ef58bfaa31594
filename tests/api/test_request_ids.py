"""X-Request-ID: on every response, the caller's when short and safe, and named by every log line
and audit event of the request (API.md, "Operations, continued")."""

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from infrastructure.logging import RequestIdFilter
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, Api, bearer, make_settings

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Captured records, each named by the filter `configure_logging` puts on its handler."""
    caplog.set_level(logging.INFO)
    request_ids = RequestIdFilter()
    caplog.handler.addFilter(request_ids)
    yield caplog
    caplog.handler.removeFilter(request_ids)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health"),
        ("GET", "/users/me"),  # 401
        ("GET", "/no/such/route"),  # 404
        ("DELETE", "/health"),  # 405
        ("GET", "/posts/%0A"),  # 400 before routing
        ("GET", "/app/login"),  # a page
        ("GET", "/"),  # a redirect
        ("GET", "/docs"),
    ],
)
def test_every_response_names_its_request(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path, follow_redirects=False)
    assert NEW_ID.fullmatch(response.headers["x-request-id"]), response.headers


def test_a_refused_body_and_an_unexpected_error_name_their_request_too(tmp_path: Path) -> None:
    app = create_app(build_container(make_settings(tmp_path)))

    async def fail() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/fail", fail)
    with TestClient(app, raise_server_exceptions=False) as client:
        too_large = client.post("/auth/register", content=b"x" * (1024 * 1024 + 1))
        failed = client.get("/fail", headers={"X-Request-ID": "trace-500"})
    assert too_large.status_code == 413
    assert NEW_ID.fullmatch(too_large.headers["x-request-id"])
    assert failed.status_code == 500
    assert failed.headers["x-request-id"] == "trace-500"


def test_each_request_gets_a_new_id(api: Api) -> None:
    ids = {api.client.get("/health").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    "given", ["abc", "a" * 64, "req-2024.11.05_ABC", "0f8fad5b-d9cb-469f-a165-70867728950e"]
)
def test_a_short_safe_caller_id_is_kept(api: Api, given: str) -> None:
    response = api.client.get("/health", headers={"X-Request-ID": given})
    assert response.headers["x-request-id"] == given


@pytest.mark.parametrize(
    "given",
    [
        "",
        "a" * 65,
        "has space",
        "semi;colon",
        "quote'",
        '{"json": 1}',
        "slash/path",
        "per%cent",
        "caf\xe9",  # sent as a Latin-1 byte
        "<script>",
    ],
)
def test_an_unsafe_or_long_caller_id_is_replaced(api: Api, given: str) -> None:
    response = api.client.get("/health", headers=[(b"x-request-id", given.encode("latin-1"))])
    assert response.headers["x-request-id"] != given
    assert NEW_ID.fullmatch(response.headers["x-request-id"])


def test_every_log_line_of_a_request_names_it(api: Api, logged: pytest.LogCaptureFixture) -> None:
    api.register("alice")
    logged.clear()
    response = api.client.post(
        "/auth/login",
        json={"username": "alice", "password": STRONG_PASSWORD},
        headers={"X-Request-ID": "login-1"},
    )
    assert response.headers["x-request-id"] == "login-1"
    lines = [record for record in logged.records if record.name.startswith("tessera")]
    assert {record.name for record in lines} >= {"tessera.access", "tessera.audit"}
    assert {getattr(record, "request_id", None) for record in lines} == {"login-1"}

    logged.clear()
    api.client.get("/health")
    (access,) = [record for record in logged.records if record.name == "tessera.access"]
    assert NEW_ID.fullmatch(getattr(access, "request_id", ""))


def test_every_audit_event_of_a_request_names_it(
    api: Api, admin_token: str, logged: pytest.LogCaptureFixture
) -> None:
    """Stored (the admin list shows it in `details`) and in the audit log line: a success stored
    with its change, a failure stored alone, a refusal logged only."""
    api.register("bob")
    ok = api.client.post(
        "/auth/login",
        json={"username": "bob", "password": STRONG_PASSWORD},
        headers={"X-Request-ID": "ok-1"},
    )
    failed = api.client.post(
        "/auth/login",
        json={"username": "bob", "password": "not the password"},
        headers={"X-Request-ID": "bad-1"},
    )
    rejected = api.client.get(
        "/users/me", headers={**bearer("not.a.token"), "X-Request-ID": "rejected-1"}
    )
    assert (ok.status_code, failed.status_code, rejected.status_code) == (200, 401, 401)

    listed = api.client.get(
        "/admin/audit-events?event_type=login_succeeded", headers=bearer(admin_token)
    ).json()["items"]
    assert [
        e["details"]["request_id"] for e in listed if e["user_id"] == ok.json()["user"]["id"]
    ] == ["ok-1"]
    listed = api.client.get(
        "/admin/audit-events?event_type=login_failed", headers=bearer(admin_token)
    ).json()["items"]
    assert [event["details"]["request_id"] for event in listed] == ["bad-1"]

    audit_lines: dict[str, tuple[str, str]] = {}
    for record in logged.records:
        audit: dict[str, Any] = getattr(record, "audit", {})
        named = audit.get("details", {}).get("request_id")
        if named in {"ok-1", "bad-1", "rejected-1"}:
            audit_lines[audit["event_type"]] = (named, getattr(record, "request_id", ""))
    assert audit_lines == {
        "login_succeeded": ("ok-1", "ok-1"),
        "login_failed": ("bad-1", "bad-1"),
        "access_token_rejected": ("rejected-1", "rejected-1"),
    }
