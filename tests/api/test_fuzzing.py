"""Property-based fuzzing of every operation in the OpenAPI document, with schemathesis.

Each operation gets a bounded, derandomized set of generated requests (so the run is repeatable and
quick), sent with a real bearer token, to the app on each real database: SQLite and PostgreSQL
(skipped without TEST_POSTGRES_URL, failed under CI=true), where NUL bytes, huge integers and odd
Unicode meet a real column. (The memory store is left out: it adds a third of the run and no
database, and the adapter contract suite holds it to the SQL adapters' behaviour.) Every answer must be no 5xx, carry a status the document
declares for that operation, and match the declared body schema and content type: the document is
the contract clients generate code from, so it must tell the truth about errors too.
"""

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from dependency_injector import providers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from infrastructure.container import build_container
from interfaces.http.app import create_app
from tests.api.conftest import bearer, make_settings
from tests.services import require_postgres
from tests.support.postgres_schema import scratch_schema
from tests.unit.fakes import RecordingEmailSender

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
# Few examples per operation, derandomized: the same cases on every run, the file under a minute.
# Not the documents' example password: the examples (sent first, in the explicit phase) would
# otherwise change, deactivate or delete the fuzzing accounts with it.
PASSWORD = "the fuzzing accounts keep this passphrase"
# Twelve generated cases per operation, role and database (after the documented examples):
# enough to reach every kind of field; more buys little and CI has ten minutes for everything.
FUZZ = settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Account:
    """A logged-in caller whose token survives the fuzzer's logout-all or rename."""

    client: TestClient
    username: str
    token: str = field(default="")

    def headers(self) -> dict[str, str]:
        if not self.token or self.client.get("/users/me", headers=bearer(self.token)).is_error:
            response = self.client.post(
                "/auth/login", json={"username": self.username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self.token = response.json()["access_token"]
        return bearer(self.token)

    def observe(self, method: str, path: str, response: Any) -> None:
        """The fuzzer may rename the account through PATCH /users/me: follow it."""
        if (method, path) == ("PATCH", "/users/me") and response.status_code == 200:
            self.username = response.json()["username"]


@dataclass
class Fuzzed:
    app: FastAPI
    client: TestClient
    user: Account
    admin: Account


def build_app(database_url: str = "memory://") -> FastAPI:
    settings_ = make_settings(
        Path(tempfile.mkdtemp(prefix="tessera-fuzz-")),
        database_url=database_url,
        # Generated logins must not lock the fuzzing accounts out (throttling has its own tests).
        login_max_attempts_per_ip_per_minute=1_000_000,
        login_max_failures=1_000_000,
    )
    container = build_container(settings_)
    container.email_sender.override(providers.Object(RecordingEmailSender()))
    return create_app(container)


# Built at import: schemathesis turns the document's operations into tests at collection time (its
# fixture-based lazy loader does not work with this pytest). The document is the same on every
# backend; each case is sent to the app of the `fuzzed` fixture.
schema = schemathesis.openapi.from_asgi("/openapi.json", build_app())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            database_url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'tessera.db'}"
        else:  # a schema of its own: other API tests empty the shared one between their tests
            database_url = stack.enter_context(
                scratch_schema(require_postgres(), prefix="tessera_fuzz")
            )
        app = build_app(database_url)  # its startup migrates the empty database
        client = stack.enter_context(TestClient(app))
        body = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
        assert client.post("/auth/register", json=body).status_code == 201
        app.state.container.create_admin().execute(
            CreateAdminCommand(
                actor=OPERATOR, username="root", email="root@example.com", password=PASSWORD
            )
        )
        yield Fuzzed(app, client, Account(client, "alice"), Account(client, "root"))


def call(case: Any, fuzzed: Fuzzed, account: Account) -> None:
    response = case.call_and_validate(app=fuzzed.app, headers=account.headers(), checks=CHECKS)
    account.observe(case.method, case.path, response)


@schema.parametrize()
@FUZZ
def test_every_operation_as_a_user(case: Any, fuzzed: Fuzzed) -> None:
    call(case, fuzzed, fuzzed.user)


@schema.include(path_regex="^/admin").parametrize()
@FUZZ
def test_admin_operations_as_an_admin(case: Any, fuzzed: Fuzzed) -> None:
    call(case, fuzzed, fuzzed.admin)


@schema.parametrize()
@FUZZ
def test_every_operation_anonymously(case: Any, fuzzed: Fuzzed) -> None:
    case.call_and_validate(app=fuzzed.app, checks=CHECKS)
