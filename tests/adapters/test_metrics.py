"""The Prometheus adapter: what each count is fed by, the pool gauge, the exposition format."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from application.ports.audit import AuditEvent, AuditEventType
from application.ports.email import EmailMessage
from infrastructure.metrics import (
    MULTIPROCESS_DIRECTORY,
    CountingSecurityLog,
    DisabledMetrics,
    PrometheusMetrics,
    counted,
    multiprocess_directory,
)
from infrastructure.persistence.sqlalchemy import create_database_engine
from tests.unit.fakes import RecordingSecurityLog


def samples(metrics: PrometheusMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            found[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(metrics: PrometheusMetrics, name: str, **labels: str) -> float:
    return samples(metrics).get((name, tuple(sorted(labels.items()))), 0.0)


def event(event_type: AuditEventType) -> AuditEvent:
    return AuditEvent(event_type=event_type, occurred_at=datetime.now(UTC))


def test_requests_are_counted_by_route_method_and_status_with_their_latency() -> None:
    metrics = PrometheusMetrics()
    for _ in range(3):
        metrics.observe_request("/tasks/{task_id}", "GET", 200, 0.004)
    metrics.observe_request("/tasks/{task_id}", "GET", 404, 0.002)
    metrics.observe_request("/health", "BREW", 405, 0.001)  # any word can be a method
    assert (
        value(
            metrics,
            "tessera_http_requests_total",
            route="/tasks/{task_id}",
            method="GET",
            status="200",
        )
        == 3
    )
    assert (
        value(metrics, "tessera_http_requests_total", route="/health", method="other", status="405")
        == 1
    )
    latency = "tessera_http_request_duration_seconds"
    labels = {"route": "/tasks/{task_id}", "method": "GET"}
    assert value(metrics, f"{latency}_count", **labels) == 4
    assert value(metrics, f"{latency}_sum", **labels) == pytest.approx(0.014)
    assert value(metrics, f"{latency}_bucket", **labels, le="0.0025") == 1
    assert value(metrics, f"{latency}_bucket", **labels, le="0.005") == 4


def test_audit_events_feed_the_login_refresh_reuse_and_email_counts() -> None:
    metrics = PrometheusMetrics()
    log = RecordingSecurityLog()
    counting = CountingSecurityLog(log, metrics)
    for event_type in (
        AuditEventType.LOGIN_SUCCEEDED,
        AuditEventType.LOGIN_FAILED,
        AuditEventType.LOGIN_FAILED,
        AuditEventType.LOGIN_THROTTLED,
        AuditEventType.REFRESH_TOKEN_REUSED,
        AuditEventType.EMAIL_DELIVERY_FAILED,
        AuditEventType.LOGOUT,
    ):
        counting.write(event(event_type))
    metrics.email_sent(EmailMessage(to="a@example.com", subject="s", body="b"))
    assert len(log.events) == 7  # every event still written, once
    assert {
        outcome: value(metrics, "tessera_logins_total", outcome=outcome)
        for outcome in ("succeeded", "failed", "throttled")
    } == {"succeeded": 1, "failed": 2, "throttled": 1}
    assert value(metrics, "tessera_refresh_token_reuse_total") == 1
    assert value(metrics, "tessera_emails_total", outcome="sent") == 1
    assert value(metrics, "tessera_emails_total", outcome="failed") == 1
    assert value(metrics, "tessera_audit_events_total", event_type="logout") == 1


def test_the_series_a_dashboard_needs_exist_at_zero() -> None:
    found = samples(PrometheusMetrics())
    names = {name for name, _ in found}
    assert {
        "tessera_logins_total",
        "tessera_throttled_attempts_total",
        "tessera_refresh_token_reuse_total",
        "tessera_emails_total",
        "tessera_db_pool_connections_in_use",
    } <= names
    assert found["tessera_throttled_attempts_total", (("limit", "account"),)] == 0
    assert not any(name.endswith("_created") for name in names)


def test_the_pool_gauge_follows_checked_out_connections(tmp_path: Path) -> None:
    metrics = PrometheusMetrics()
    engine = create_database_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    metrics.watch_pool(engine)
    try:
        first, second = engine.connect(), engine.connect()
        assert value(metrics, "tessera_db_pool_connections_in_use") == 2
        first.close()
        assert value(metrics, "tessera_db_pool_connections_in_use") == 1
        second.close()
        assert value(metrics, "tessera_db_pool_connections_in_use") == 0
    finally:
        engine.dispose()


def test_disabled_metrics_count_nothing_and_leave_the_log_alone() -> None:
    log = RecordingSecurityLog()
    assert counted(log, DisabledMetrics()) is log
    assert isinstance(counted(log, PrometheusMetrics()), CountingSecurityLog)


def test_the_multiprocess_directory_lives_as_long_as_the_workers() -> None:
    before = os.environ.get(MULTIPROCESS_DIRECTORY)
    with multiprocess_directory() as directory:
        assert os.environ[MULTIPROCESS_DIRECTORY] == directory
        assert Path(directory).is_dir()
        (Path(directory) / "counter_123.db").write_bytes(b"x")
    assert not Path(directory).exists()
    assert os.environ.get(MULTIPROCESS_DIRECTORY) == before
