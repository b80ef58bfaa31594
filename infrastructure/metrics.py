"""What `/metrics` shows, with prometheus-client: counted per process, shown for all of them.

With `tessera serve --workers N` every worker counts into files of its own under
`PROMETHEUS_MULTIPROC_DIR` (which `serve` makes before the workers start, and removes after), and
whichever worker answers `/metrics` adds up every worker's files: one coherent set, however many
workers. A single process counts in memory.

No label ever holds user data: routes are the app's templates (`/tasks/{task_id}`, never the path
asked for), methods and statuses come from fixed sets, and the other labels are names from the code
(an outcome, a limit, an audit event type).
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import prometheus_client
import prometheus_client.values
import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from sqlalchemy.engine import Engine

from application.ports.audit import AuditEvent, AuditEventType, SecurityLog
from application.ports.email import EmailMessage
from application.services.throttling import THROTTLE_LIMITS

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""A request's method is its label when it is one of these, else `other`: a client may send any
word as its method."""

LOGIN_OUTCOMES = {
    AuditEventType.LOGIN_SUCCEEDED: "succeeded",
    AuditEventType.LOGIN_FAILED: "failed",
    AuditEventType.LOGIN_THROTTLED: "throttled",
}

# Seconds. From a cached bearer check (under a millisecond) to a login under load (Argon2 waits).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess_mode() -> bool:
    """Whether this process counts into PROMETHEUS_MULTIPROC_DIR's files. prometheus-client decides
    it once, when it is first imported, from the environment variable."""
    return prometheus_client.values.ValueClass is not prometheus_client.values.MutexValue


class ServiceMetrics(Protocol):
    """What the adapters and the HTTP interface count; `attempt_throttled` is the application's
    `Metrics` port."""

    enabled: bool

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None: ...

    def attempt_throttled(self, limit: str) -> None: ...

    def security_event(self, event_type: AuditEventType) -> None: ...

    def email_sent(self, message: EmailMessage) -> None: ...

    def watch_pool(self, engine: Engine) -> None: ...

    def render(self) -> bytes: ...

    def close(self) -> None: ...


class DisabledMetrics:
    """METRICS_ENABLED=false: nothing is counted, and /metrics does not exist."""

    enabled = False

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        pass

    def attempt_throttled(self, limit: str) -> None:
        pass

    def security_event(self, event_type: AuditEventType) -> None:
        pass

    def email_sent(self, message: EmailMessage) -> None:
        pass

    def watch_pool(self, engine: Engine) -> None:
        pass

    def render(self) -> bytes:
        return b""

    def close(self) -> None:
        pass


class PrometheusMetrics:
    """The service's metrics, in a registry of their own (so that several apps, as in the tests,
    never clash in prometheus-client's global one)."""

    enabled = True

    def __init__(self) -> None:
        # No `_created` series (when each counter began): noise for a scraper, which sees resets.
        prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
        self.multiprocess = multiprocess_mode()
        registry = self._registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "tessera_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=registry,
        )
        self._latency = Histogram(
            "tessera_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._logins = Counter(
            "tessera_logins",
            "Password logins, by outcome: succeeded, failed (wrong name or password), throttled.",
            ["outcome"],
            registry=registry,
        )
        self._throttled = Counter(
            "tessera_throttled_attempts",
            "Attempts refused by a rate limit (429), by the limit that refused them.",
            ["limit"],
            registry=registry,
        )
        self._refresh_reuse = Counter(
            "tessera_refresh_token_reuse",
            "Refresh tokens presented again after being spent (each revokes its session).",
            registry=registry,
        )
        self._emails = Counter(
            "tessera_emails",
            "Emails, by outcome: sent (delivered to the mail server, or printed) or failed.",
            ["outcome"],
            registry=registry,
        )
        self._audit_events = Counter(
            "tessera_audit_events",
            "Audit events recorded, by type.",
            ["event_type"],
            registry=registry,
        )
        self._pool_in_use = Gauge(
            "tessera_db_pool_connections_in_use",
            "Database connections checked out of the pool (every live worker's, added up).",
            registry=registry,
            multiprocess_mode="livesum",
        )
        # Every series a dashboard looks for exists from the start, at zero.
        for outcome in LOGIN_OUTCOMES.values():
            self._logins.labels(outcome)
        for limit in THROTTLE_LIMITS:
            self._throttled.labels(limit)
        for outcome in ("sent", "failed"):
            self._emails.labels(outcome)
        self._email_sent = self._emails.labels("sent")
        self._email_failed = self._emails.labels("failed")
        # A request's labelled children, by (route, method, status): labels() validates and
        # locks on every call, a dict lookup does not. Bounded: every key is from a fixed set.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        if method not in METHODS:
            method = "other"
        children = self._children.get((route, method, status))
        if children is None:
            children = self._children[(route, method, status)] = (
                self._requests.labels(route, method, str(status)),
                self._latency.labels(route, method),
            )
        children[0].inc()
        children[1].observe(seconds)

    def attempt_throttled(self, limit: str) -> None:
        self._throttled.labels(limit).inc()

    def security_event(self, event_type: AuditEventType) -> None:
        self._audit_events.labels(event_type.value).inc()
        outcome = LOGIN_OUTCOMES.get(event_type)
        if outcome is not None:
            self._logins.labels(outcome).inc()
        elif event_type is AuditEventType.REFRESH_TOKEN_REUSED:
            self._refresh_reuse.inc()
        elif event_type is AuditEventType.EMAIL_DELIVERY_FAILED:
            self._email_failed.inc()

    def email_sent(self, message: EmailMessage) -> None:
        self._email_sent.inc()

    def watch_pool(self, engine: Engine) -> None:
        """Follow the connections `engine`'s pool hands out and takes back."""
        sa.event.listen(engine, "checkout", self._checked_out)
        sa.event.listen(engine, "checkin", self._checked_in)

    def _checked_out(self, *_: object) -> None:
        self._pool_in_use.inc()

    def _checked_in(self, *_: object) -> None:
        self._pool_in_use.dec()

    def render(self) -> bytes:
        """The text exposition format: every worker's counts when there are several."""
        if not self.multiprocess:
            return generate_latest(self._registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)

    def close(self) -> None:
        """A worker that stops takes its gauge (connections in use) out of the sum; its counts
        stay, as counts that happened."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class CountingSecurityLog:
    """Counts each audit event as it is written, then writes it: logins by outcome, refresh-token
    reuse and undeliverable emails, without a line in any use case. Every event reaches the log
    exactly once (after its commit, or alone), so each is counted once."""

    def __init__(self, log: SecurityLog, metrics: ServiceMetrics) -> None:
        self._log = log
        self._metrics = metrics

    def write(self, event: AuditEvent) -> None:
        self._metrics.security_event(event.event_type)
        self._log.write(event)


def counted(log: SecurityLog, metrics: ServiceMetrics) -> SecurityLog:
    """`log`, counting what it writes when metrics are on."""
    return CountingSecurityLog(log, metrics) if metrics.enabled else log


@contextmanager
def multiprocess_directory() -> Iterator[str]:
    """A fresh PROMETHEUS_MULTIPROC_DIR for the workers about to start, removed when they have
    stopped. Fresh, not reused: a previous run's files would add its counts to this one's."""
    directory = tempfile.mkdtemp(prefix="tessera-metrics-")
    previous = os.environ.get(MULTIPROCESS_DIRECTORY)
    os.environ[MULTIPROCESS_DIRECTORY] = directory
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(MULTIPROCESS_DIRECTORY, None)
        else:
            os.environ[MULTIPROCESS_DIRECTORY] = previous
        shutil.rmtree(directory, ignore_errors=True)


def metrics_from(enabled: bool) -> Iterator[ServiceMetrics]:
    """The container's resource: Prometheus metrics when enabled, closed at shutdown."""
    metrics: ServiceMetrics = PrometheusMetrics() if enabled else DisabledMetrics()
    yield metrics
    metrics.close()


__all__ = [
    "CONTENT_TYPE",
    "CountingSecurityLog",
    "DisabledMetrics",
    "PrometheusMetrics",
    "ServiceMetrics",
    "counted",
    "metrics_from",
    "multiprocess_directory",
]
