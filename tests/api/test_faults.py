"""Faults of what the service depends on: the database going away and coming back, Redis down,
SMTP unreachable. The service answers (503, degraded throttling, 202) and never with a 500."""

import logging
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from application.errors import StorageUnavailable
from application.use_cases.admin.create_admin import CreateAdminCommand
from infrastructure.container import Container, build_container
from infrastructure.email.smtp import SmtpEmailSender
from infrastructure.persistence.migrator import AlembicMigrator
from infrastructure.persistence.sqlalchemy.scratch import scratch_schema
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, Api, bearer, make_settings
from tests.api.tcp_proxy import TcpProxy
from tests.services import require_postgres
from tests.unit.fakes import RecordingEmailSender

UNAVAILABLE = {
    "detail": "The database is not reachable. Try again shortly.",
    "code": "database_unavailable",
}
READY_UNAVAILABLE = {"detail": "The database is not reachable.", "code": "database_unavailable"}


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


def assert_outage(client: TestClient, token: str) -> None:
    """What a client sees while the database is unreachable."""
    ready = client.get("/ready")
    assert (ready.status_code, ready.json()) == (503, READY_UNAVAILABLE)

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
    server = make_url(postgres_schema_url)
    tcp_proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    tcp_proxy.start()
    try:
        yield tcp_proxy
    finally:
        tcp_proxy.stop()


def test_postgres_outage_answers_503_and_the_service_recovers_without_a_restart(
    tmp_path: Path, postgres_schema_url: str, proxy: TcpProxy
) -> None:
    # connect_timeout bounds the test: a connect that hangs instead of failing fails it in seconds.
    url = (
        make_url(postgres_schema_url)
        .set(host="127.0.0.1", port=proxy.port)
        .update_query_dict({"connect_timeout": "5"})
    )
    settings = make_settings(
        tmp_path, database_url=url.render_as_string(hide_password=False), auto_migrate=False
    )
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
            CreateAdminCommand(username="root", email="root@example.com", password=STRONG_PASSWORD)
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
    url = make_url(postgres_schema_url).set(host="127.0.0.1", port=proxy.port)
    settings = make_settings(
        tmp_path, database_url=url.render_as_string(hide_password=False), auto_migrate=False
    )
    container = build_container(settings)
    try:
        with pytest.raises(StorageUnavailable):
            read_across_a_cut(container, proxy)

        with container.uow() as uow:
            assert uow.users.get_by_username("nobody") is None
    finally:
        container.shutdown_resources()
