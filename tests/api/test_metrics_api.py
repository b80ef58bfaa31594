"""GET /metrics (SECURITY.md 76): off by default, behind its token when one is set, no user data in
any label, and the counts the contract names move. On SQLite and PostgreSQL."""

import re
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from infrastructure.container import build_container
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, Api, bearer, make_settings
from tests.unit.fakes import RecordingEmailSender

TOKEN = "metrics-token-7Hq2xW9kLm4Pz8Rt"
SECRET_NAME = "alice-secret-name"


@contextmanager
def serving(
    settings: Settings, tmp_path: Path, *, emails: bool = True, **values: Any
) -> Iterator[Api]:
    """An app on the test's database (SQLite or PostgreSQL) with metrics on and these settings.
    `emails=False` keeps the configured sender (console or SMTP) rather than a recording one."""
    configured = make_settings(
        tmp_path,
        database_url=settings.database_url,
        auto_migrate=settings.auto_migrate,
        metrics_enabled=True,
        **values,
    )
    container = build_container(configured)
    if emails:
        container.email_sender.override(providers.Object(RecordingEmailSender()))
    with TestClient(create_app(container)) as client:
        yield Api(client)


def scrape(api: Api, token: str | None = None) -> dict[tuple[str, frozenset[Any]], float]:
    response = api.client.get("/metrics", headers=bearer(token) if token else {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def count(found: dict[tuple[str, frozenset[Any]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_metrics_are_off_by_default(api: Api) -> None:
    response = api.client.get("/metrics")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert "/metrics" not in api.client.get("/openapi.json").json()["paths"]


def test_the_token_is_required_when_set(settings: Settings, tmp_path: Path) -> None:
    with serving(settings, tmp_path, metrics_token=TOKEN) as api:
        missing = api.client.get("/metrics")
        assert (missing.status_code, missing.json()["code"]) == (401, "not_authenticated")
        assert missing.headers["www-authenticate"] == "Bearer"
        for wrong in (
            {"Authorization": "Bearer not-the-token"},
            {"Authorization": f"Bearer {TOKEN}x"},
            {"Authorization": f"Bearer {TOKEN[:-1]}"},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": TOKEN},
        ):
            refused = api.client.get("/metrics", headers=wrong)
            assert refused.status_code == 401, wrong
            assert "tessera_" not in refused.text
        wrong_bearer = api.client.get("/metrics", headers=bearer("not-the-token"))
        assert wrong_bearer.json()["code"] == "invalid_token"
        assert wrong_bearer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert count(scrape(api, TOKEN), "tessera_logins_total", outcome="succeeded") == 0
        # A user's access token is no metrics token.
        assert api.client.get("/metrics", headers=bearer(api.registered_token())).status_code == 401


def test_without_a_token_it_is_open(settings: Settings, tmp_path: Path) -> None:
    with serving(settings, tmp_path) as api:
        assert "tessera_http_requests_total" in api.client.get("/metrics").text


def test_labels_are_route_templates_and_hold_no_user_data(
    settings: Settings, tmp_path: Path
) -> None:
    with serving(settings, tmp_path) as api:
        api.register(SECRET_NAME)
        tokens = api.login(SECRET_NAME)
        token, user_id = tokens["access_token"], tokens["user"]["id"]
        task = api.client.post("/tasks", headers=bearer(token), json={"title": SECRET_NAME})
        task_id = task.json()["id"]
        visits = [
            ("GET", f"/users/{user_id}"),
            ("GET", f"/users/{SECRET_NAME}"),  # 422: not a UUID
            ("GET", f"/tasks/{task_id}"),
            ("PATCH", f"/tasks/{task_id}"),
            ("GET", f"/tasks/{uuid.uuid4()}"),  # 404
            ("GET", f"/posts?search={SECRET_NAME}"),
            ("GET", f"/{SECRET_NAME}/{SECRET_NAME}@example.com"),  # no such route
            ("GET", f"/app/{SECRET_NAME}"),  # no such page
            ("GET", f"/app/static/{SECRET_NAME}.css"),
            (SECRET_NAME.upper().replace("-", ""), "/health"),  # a made-up method
        ]
        for method, path in visits:
            api.client.request(method, path, headers=bearer(token), json={"completed": True})
        text = api.client.get("/metrics").text
        for secret in (SECRET_NAME, user_id, task_id, token, "example.com"):
            assert secret.lower() not in text.lower(), secret
        found = scrape(api)
    routes = {
        dict(labels)["route"] for name, labels in found if name == "tessera_http_requests_total"
    }
    assert routes == {
        "/auth/register",
        "/auth/login",
        "/tasks",
        "/tasks/{task_id}",
        "/users/{user_id}",
        "/posts",
        "/health",
        "/metrics",
        "unmatched",
        "/app/{path}",
        "/app/static/{path}",
    }
    methods = {dict(labels)["method"] for name, labels in found if name.startswith("tessera_http")}
    assert methods <= {"GET", "POST", "PATCH", "other"}
    assert (
        count(
            found,
            "tessera_http_requests_total",
            route="/tasks/{task_id}",
            method="GET",
            status="200",
        )
        == 1
    )
    assert (
        count(
            found,
            "tessera_http_requests_total",
            route="/tasks/{task_id}",
            method="GET",
            status="404",
        )
        == 1
    )
    assert (
        count(found, "tessera_http_requests_total", route="/health", method="other", status="405")
        == 1
    )


def test_request_counts_and_latency_histograms_add_up(settings: Settings, tmp_path: Path) -> None:
    with serving(settings, tmp_path) as api:
        for _ in range(7):
            assert api.client.get("/health").status_code == 200
        found = scrape(api)
    labels = {"route": "/health", "method": "GET"}
    assert count(found, "tessera_http_requests_total", **labels, status="200") == 7
    assert count(found, "tessera_http_request_duration_seconds_count", **labels) == 7
    assert count(found, "tessera_http_request_duration_seconds_bucket", **labels, le="+Inf") == 7
    assert 0 < count(found, "tessera_http_request_duration_seconds_sum", **labels) < 7


def test_logins_by_outcome_throttling_and_refresh_reuse_are_counted(
    settings: Settings, tmp_path: Path
) -> None:
    with serving(settings, tmp_path, login_max_failures=2) as api:
        api.register("bob")
        first = api.login("bob")
        for _ in range(2):
            wrong = {"username": "bob", "password": "not the password"}
            assert api.client.post("/auth/login", json=wrong).status_code == 401
        for _ in range(3):
            locked = {"username": "bob", "password": STRONG_PASSWORD}
            assert api.client.post("/auth/login", json=locked).status_code == 429
        refresh = {"refresh_token": first["refresh_token"]}
        assert api.client.post("/auth/refresh", json=refresh).status_code == 200
        assert api.client.post("/auth/refresh", json=refresh).status_code == 401  # replayed
        found = scrape(api)
    assert {
        outcome: count(found, "tessera_logins_total", outcome=outcome)
        for outcome in ("succeeded", "failed", "throttled")
    } == {"succeeded": 1, "failed": 2, "throttled": 3}
    assert count(found, "tessera_throttled_attempts_total", limit="account") == 3
    assert count(found, "tessera_refresh_token_reuse_total") == 1
    assert count(found, "tessera_audit_events_total", event_type="token_refreshed") == 1
    # Every connection taken from the pool went back.
    assert count(found, "tessera_db_pool_connections_in_use") == 0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_emails_sent_and_failed_are_counted(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(settings, tmp_path, emails=False) as api:  # the console sender
        api.register("carol")
        assert count(scrape(api), "tessera_emails_total", outcome="sent") == 1
    assert "carol@example.com" in capsys.readouterr().out

    smtp = {"email_backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": closed_port()}
    with serving(settings, tmp_path, emails=False, **smtp) as api:
        api.register("dave")  # its verification email cannot be delivered
        deadline = time.monotonic() + 10
        while count(found := scrape(api), "tessera_emails_total", outcome="failed") < 1:
            assert time.monotonic() < deadline, "the failure was never counted"
            time.sleep(0.05)
    assert count(found, "tessera_emails_total", outcome="sent") == 0
    assert count(found, "tessera_audit_events_total", event_type="email_delivery_failed") == 1


def test_the_exposition_names_only_tessera_metrics(settings: Settings, tmp_path: Path) -> None:
    with serving(settings, tmp_path) as api:
        names = {name for name, _ in scrape(api)}
    assert all(re.fullmatch(r"tessera_[a-z_]+", name) for name in names), names
