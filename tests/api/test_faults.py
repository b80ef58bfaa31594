"""Faults of what the service depends on: the database going away and coming back, Redis down,
SMTP unreachable. The service answers (503, degraded throttling, 202) and never with a 500."""

import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from application.errors import StorageUnavailable
from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from infrastructure.container import Container, build_container
from infrastructure.email.smtp import SmtpEmailSender
from infrastructure.persistence.migrator import AlembicMigrator
from infrastructure.persistence.sqlalchemy import create_database_engine
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, Api, bearer, make_settings
from tests.api.tcp_proxy import TcpProxy
from tests.scale.test_workers import serving
from tests.services import require_postgres
from tests.support.postgres_schema import empty_tables, scratch_schema
from tests.unit.fakes import RecordingEmailSender

T = TypeVar("T")

UNAVAILABLE = {
    "detail": "The database is not reachable. Try again shortly.",
    "code": "database_unavailable",
}
READY_UNAVAILABLE = {"detail": "The database is not reachable.", "code": "database_unavailable"}

# Small database timeouts, so that a test against a silent database waits seconds.
QUICK_TIMEOUTS = {
    "database_connect_timeout_seconds": 2,
    "database_statement_timeout_seconds": 1,
    "database_pool_timeout_seconds": 1,
}
# How long a test waits for an answer that the timeouts above bound to a few seconds: generous
# for a busy machine, and still far from "never", which is what a silent database gave before.
ANSWER_BOUND_SECONDS = 20.0


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


def app_client(settings: Settings) -> tuple[Container, TestClient]:
    container = build_container(settings)
    container.email_sender.override(providers.Object(RecordingEmailSender()))
    # Unhandled errors come back as the 500 a client would get, so a test can say "not 500".
    return container, TestClient(create_app(container), raise_server_exceptions=False)


def login(client: TestClient, password: str = STRONG_PASSWORD) -> int:
    response = client.post("/auth/login", json={"username": "alice", "password": password})
    status: int = response.status_code
    return status


def answered_within(seconds: float, call: Callable[[], T], proxy: TcpProxy) -> T:
    """`call()`'s result, or a failure if it has none after `seconds`. Before failing, the
    proxy is cut, so that the call ends and the app can shut down."""
    outcome: list[T] = []
    worker = threading.Thread(target=lambda: outcome.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        proxy.cut()
        worker.join(ANSWER_BOUND_SECONDS)
        pytest.fail(f"no answer within {seconds} s")
    return outcome[0]


def assert_outage(client: TestClient, token: str) -> None:
    """What a client sees while the database is unreachable."""
    ready = client.get("/ready")
    assert (ready.status_code, ready.json()) == (503, READY_UNAVAILABLE)
    assert 1 <= int(ready.headers["Retry-After"]) <= 30

    for response in (
        client.get("/users/me", headers=bearer(token)),
        client.post("/auth/login", json={"username": "alice", "password": STRONG_PASSWORD}),
    ):
        assert response.status_code == 503, response.text
        assert response.json() == UNAVAILABLE
        assert 1 <= int(response.headers["Retry-After"]) <= 30
        assert "Traceback" not in response.text
        assert "sqlalchemy" not in response.text.lower()

    assert client.get("/health").status_code == 200


def assert_recovered(client: TestClient, token: str) -> None:
    assert client.get("/ready").json() == {"status": "ready"}
    assert client.get("/users/me", headers=bearer(token)).status_code == 200
    assert login(client) == 200


@pytest.fixture(scope="module")
def postgres_schema_url() -> Iterator[str]:
    """A migrated schema of its own: the outage test must not race the shared one's truncation."""
    with scratch_schema(require_postgres(), prefix="tessera_faults") as url:
        AlembicMigrator(url).upgrade()
        yield url


@pytest.fixture
def proxy(postgres_schema_url: str) -> Iterator[TcpProxy]:
    """A proxy to the module's schema, emptied first (each test registers its own alice)."""
    engine = create_database_engine(postgres_schema_url)
    with engine.begin() as connection:
        empty_tables(connection)
    engine.dispose()
    server = make_url(postgres_schema_url)
    tcp_proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    tcp_proxy.start()
    try:
        yield tcp_proxy
    finally:
        tcp_proxy.stop()


def proxied_url(postgres_schema_url: str, proxy: TcpProxy) -> str:
    url = make_url(postgres_schema_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


def proxied_settings(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy, **overrides: object
) -> Settings:
    return make_settings(
        tmp_path,
        database_url=proxied_url(postgres_schema_url, proxy),
        auto_migrate=False,
        **overrides,
    )


def test_postgres_outage_answers_503_and_the_service_recovers_without_a_restart(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy
) -> None:
    settings = proxied_settings(tmp_path, postgres_schema_url, proxy)
    _, client = app_client(settings)
    with client:
        token = Api(client).registered_token("alice")

        proxy.cut()  # the pooled connection dies with the rest
        assert_outage(client, token)

        proxy.restore()
        assert_recovered(client, token)

        # A second outage, after the pool has reconnected once, behaves the same.
        proxy.cut()
        assert_outage(client, token)
        proxy.restore()
        assert_recovered(client, token)


def test_a_restart_between_requests_costs_no_request(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy
) -> None:
    """The server closes every connection (as a restart does) and is back at once: the pooled
    connections it closed are replaced as they are handed out, so no request fails."""
    _, client = app_client(proxied_settings(tmp_path, postgres_schema_url, proxy))
    with client:
        token = Api(client).registered_token("alice")
        assert client.get("/tasks", headers=bearer(token)).status_code == 200

        proxy.cut()
        proxy.restore()
        time.sleep(0.2)  # the closed sockets' end of file reaches this side

        assert client.get("/users/me", headers=bearer(token)).status_code == 200
        assert client.get("/tasks", headers=bearer(token)).status_code == 200
        assert login(client) == 200


def test_a_silent_postgres_gets_503_within_the_timeouts_and_the_service_recovers(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy
) -> None:
    """Packets dropped rather than refused: connections already open, and new ones, get no
    answer at all. Each request is bounded by the database timeouts and answers 503."""
    _, client = app_client(proxied_settings(tmp_path, postgres_schema_url, proxy, **QUICK_TIMEOUTS))
    with client:
        token = Api(client).registered_token("alice")
        headers = bearer(token)
        assert client.get("/tasks", headers=headers).status_code == 200  # a pooled connection

        proxy.blackhole()
        for call in (
            lambda: client.get("/users/me", headers=headers),
            lambda: client.get("/tasks", headers=headers),
            lambda: client.post("/auth/login", json={"username": "alice", "password": "x" * 12}),
        ):
            response = answered_within(ANSWER_BOUND_SECONDS, call, proxy)
            assert (response.status_code, response.json()) == (503, UNAVAILABLE)
            assert response.headers["Retry-After"] == "5"

        proxy.restore()
        assert_recovered(client, token)


def test_ready_answers_503_on_its_own_deadline_while_postgres_is_silent(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy
) -> None:
    """A probe gets its answer in about two seconds, even where the database timeouts are long
    (here half a minute: only /ready's own deadline can answer within the bound)."""
    slow = {
        "database_connect_timeout_seconds": 30,
        "database_statement_timeout_seconds": 30,
        "database_pool_timeout_seconds": 30,
    }
    _, client = app_client(proxied_settings(tmp_path, postgres_schema_url, proxy, **slow))
    with client:
        assert client.get("/ready").json() == {"status": "ready"}

        proxy.blackhole()
        for _ in range(2):  # with a pooled connection, then while the first check still waits
            ready = answered_within(10.0, lambda: client.get("/ready"), proxy)
            assert (ready.status_code, ready.json()) == (503, READY_UNAVAILABLE)
            assert ready.headers["Retry-After"] == "5"


def test_an_outage_is_logged_once_when_it_begins_and_once_when_it_ends(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy, caplog: pytest.LogCaptureFixture
) -> None:
    """Not a line per refused request (thousands in seconds), nor a traceback: one warning,
    then one summary with how long it lasted and how many requests were refused."""
    _, client = app_client(proxied_settings(tmp_path, postgres_schema_url, proxy))
    with client:
        token = Api(client).registered_token("alice")
        caplog.set_level(logging.INFO)
        caplog.clear()

        proxy.cut()
        refused = [client.get("/users/me", headers=bearer(token)).status_code for _ in range(30)]
        refused.append(client.get("/ready").status_code)
        assert refused == [503] * 31
        proxy.restore()
        assert client.get("/users/me", headers=bearer(token)).status_code == 200
        assert client.get("/users/me", headers=bearer(token)).status_code == 200

    # Every request has its access line by design (and the test client one of its own);
    # nothing else may be per request.
    lines = [record for record in caplog.records if record.name not in {"tessera.access", "httpx"}]
    assert [record.levelno for record in lines] == [logging.WARNING] * 2, [
        record.getMessage() for record in lines
    ]
    began, ended = (record.getMessage() for record in lines)
    assert "unreachable" in began
    assert "answers again after" in ended
    assert "31 requests refused" in ended
    assert all(record.exc_info is None for record in lines)


def test_serve_stops_on_sigterm_while_postgres_is_silent(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy
) -> None:
    """`tessera serve` waits for the requests in flight before it exits; with a silent database
    those now end (503) within the timeouts, so SIGTERM ends the server."""
    settings = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": proxied_url(postgres_schema_url, proxy),
        "AUTO_MIGRATE": "false",
        **{name.upper(): str(value) for name, value in QUICK_TIMEOUTS.items()},
    }
    with serving(tmp_path, settings) as server:
        body = {"username": "alice", "email": "alice@example.com", "password": STRONG_PASSWORD}
        assert server.request("POST", "/auth/register", json=body).status_code == 201
        login = server.request("POST", "/auth/login", json=body)
        headers = bearer(login.json()["access_token"])

        proxy.blackhole()
        with ThreadPoolExecutor(max_workers=5) as clients:
            in_flight = [
                clients.submit(server.request, "GET", "/users/me", headers=headers, timeout=60.0)
                for _ in range(4)
            ]
            in_flight.append(
                clients.submit(server.request, "POST", "/auth/login", json=body, timeout=60.0)
            )
            time.sleep(0.5)  # let the requests reach the server before it is told to stop
            os.killpg(server.process.pid, signal.SIGTERM)
            try:
                server.process.wait(timeout=ANSWER_BOUND_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(server.process.pid, signal.SIGKILL)
                pytest.fail(f"tessera serve still running after SIGTERM:\n{server.logs()}")
            answers = [request.result().status_code for request in in_flight]
    assert server.process.returncode == 0, server.logs()
    assert answers == [503] * 5, answers


def test_sqlite_database_that_cannot_be_opened_answers_503_and_recovers(tmp_path: Path) -> None:
    """SQLite has no server to stop: the equivalent is a database file the process can no longer
    open. Connections already open keep their file handle, so the pool is emptied (as it would
    be after a recycle) to make the app open new ones."""
    folder = tmp_path / "data"
    settings = make_settings(tmp_path, database_url=f"sqlite:///{folder / 'tessera.db'}")
    container, client = app_client(settings)
    with client:
        token = Api(client).registered_token("alice")

        moved = shutil.move(folder, tmp_path / "elsewhere")
        container.engine().dispose()
        assert_outage(client, token)

        shutil.move(moved, folder)
        assert_recovered(client, token)


def test_redis_down_throttles_in_memory_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="infrastructure.throttle")
    settings = make_settings(
        tmp_path, redis_url=f"redis://127.0.0.1:{closed_port()}/0", login_max_failures=3
    )
    _, client = app_client(settings)
    with client:
        Api(client).register("alice")
        assert login(client) == 200
        assert [login(client, "wrong password entirely") for _ in range(4)] == [401, 401, 401, 429]

    warnings = [
        record
        for record in caplog.records
        if record.name.startswith("infrastructure.throttle") and record.levelno >= logging.WARNING
    ]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert "unavailable" in warnings[0].getMessage()


def test_smtp_unreachable_still_accepts_the_reset_request_and_audits_the_failure(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        tmp_path, email_backend="smtp", smtp_host="127.0.0.1", smtp_port=closed_port()
    )
    container = build_container(settings)  # the real SMTP sender, not a recording one
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        api = Api(client)
        api.register("alice")
        response = client.post("/auth/forgot-password", json={"email": "alice@example.com"})
        assert response.status_code == 202, response.text

        sender = container.email_sender()
        assert isinstance(sender, SmtpEmailSender)
        assert sender.flush(timeout=30)

        container.create_admin().execute(
            CreateAdminCommand(
                actor=OPERATOR, username="root", email="root@example.com", password=STRONG_PASSWORD
            )
        )
        events = client.get(
            "/admin/audit-events",
            params={"event_type": "email_delivery_failed"},
            headers=bearer(api.token("root")),
        )
        assert events.status_code == 200, events.text
        items = events.json()["items"]
        assert items, "the failed delivery was not audited"
        assert items[0]["details"]["recipient_domain"] == "example.com"


def read_across_a_cut(container: Container, proxy: TcpProxy) -> None:
    with container.uow() as uow:
        assert uow.users.get_by_username("nobody") is None
        proxy.cut()
        proxy.restore()  # back at once: only the connection in use is lost
        uow.users.get_by_username("nobody")


def test_a_connection_lost_mid_transaction_is_discarded_and_the_next_one_works(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy
) -> None:
    """The statement path: a connection that dies between two statements of one unit of work
    raises StorageUnavailable, and the pool does not hand the dead connection out again."""
    container = build_container(proxied_settings(tmp_path, postgres_schema_url, proxy))
    try:
        with pytest.raises(StorageUnavailable):
            read_across_a_cut(container, proxy)

        with container.uow() as uow:
            assert uow.users.get_by_username("nobody") is None
    finally:
        container.shutdown_resources()
