from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from infrastructure.container import Container, build_container
from infrastructure.persistence.migrator import AlembicMigrator
from infrastructure.persistence.sqlalchemy import create_database_engine
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.services import require_postgres
from tests.support.postgres_schema import empty_tables, scratch_schema
from tests.unit.fakes import RecordingEmailSender

STRONG_PASSWORD = "correct horse battery staple"
# Cheap Argon2 parameters keep the suite fast; the adapter's own tests check the real defaults.
FAST_ARGON2: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_cost": 1024,
    "argon2_parallelism": 1,
}


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": f"sqlite:///{tmp_path / 'tessera.db'}",
        **FAST_ARGON2,
        **overrides,
    }
    return Settings(_env_file=None, **values)


# The PostgreSQL variant of every API test is skipped without TEST_POSTGRES_URL (tests/services.py).
API_BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_api_url() -> Iterator[str]:
    """One migrated schema for the API tests on PostgreSQL; each test starts from empty tables."""
    with scratch_schema(require_postgres(), prefix="tessera_api") as url:
        AlembicMigrator(url).upgrade()
        yield url


def settings_on_backend(
    request: pytest.FixtureRequest, tmp_path: Path, **overrides: Any
) -> Settings:
    """Settings on the backend of `request.param`: SQLite in `tmp_path`, or PostgreSQL's
    migrated schema with its tables emptied."""
    if request.param == "sqlite":
        return make_settings(tmp_path, **overrides)
    url: str = request.getfixturevalue("postgres_api_url")
    engine = create_database_engine(url)
    with engine.begin() as connection:
        empty_tables(connection)
    engine.dispose()
    return make_settings(tmp_path, database_url=url, auto_migrate=False, **overrides)


@pytest.fixture(params=API_BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Every API test runs on SQLite and on PostgreSQL (skipped without TEST_POSTGRES_URL)."""
    return settings_on_backend(request, tmp_path)


@pytest.fixture
def emails() -> RecordingEmailSender:
    return RecordingEmailSender()


@pytest.fixture
def container(settings: Settings, emails: RecordingEmailSender) -> Container:
    """The app's container, its email sender replaced by one that keeps what it 'sends'."""
    container = build_container(settings)
    container.email_sender.override(providers.Object(emails))
    return container


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


class Api:
    """Small helpers over the contract, so tests read as the steps a client takes."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def register(
        self, username: str = "alice", password: str = STRONG_PASSWORD, **extra: Any
    ) -> dict[str, Any]:
        body = {"username": username, "email": f"{username}@example.com", "password": password}
        response = self.client.post("/auth/register", json={**body, **extra})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def login(self, username: str = "alice", password: str = STRONG_PASSWORD) -> dict[str, Any]:
        response = self.client.post(
            "/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def token(self, username: str = "alice", password: str = STRONG_PASSWORD) -> str:
        return str(self.login(username, password)["access_token"])

    def registered_token(self, username: str = "alice") -> str:
        self.register(username)
        return self.token(username)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture
def admin_token(api: Api) -> str:
    """An admin made the way the contract makes the first one: by the create-admin use case."""
    container = api.client.app.state.container  # type: ignore[attr-defined]
    container.create_admin().execute(
        CreateAdminCommand(
            actor=OPERATOR, username="root", email="root@example.com", password=STRONG_PASSWORD
        )
    )
    return api.token("root")
