"""What the page tests share: a server per database, people who sign up and log in through the
pages, the emails the server printed, and the checks every page gets (offline, CSP-clean).

A test that asks for `app_server` runs once on SQLite and once on PostgreSQL (the contract's
"on SQLite and on PostgreSQL"); each server is started once per module and database.
"""

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.server import PASSWORD, Server, serving
from tests.services import require_postgres
from tests.support.postgres_schema import scratch_schema

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=DATABASES)
def app_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`tessera serve` on SQLite (its default) or on a scratch PostgreSQL schema."""
    workdir = tmp_path_factory.mktemp(f"serve-{request.param}")
    if request.param == "sqlite":
        with serving(workdir) as running:
            yield running
        return
    server_url = require_postgres()
    with (
        scratch_schema(server_url, prefix="browser") as url,
        serving(workdir, {"DATABASE_URL": url}) as running,
    ):
        yield running


@dataclass(frozen=True)
class Person:
    username: str
    email: str
    password: str = PASSWORD


def new_person(prefix: str = "p") -> Person:
    username = f"{prefix}{uuid.uuid4().hex[:10]}"
    return Person(username=username, email=f"{username}@example.com")


def register_by_api(server: Server, person: Person | None = None) -> Person:
    person = person or new_person()
    body = {"username": person.username, "email": person.email, "password": person.password}
    response = httpx.post(server.url + "/auth/register", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return person


def api_login(server: Server, person: Person) -> dict[str, str]:
    """A token pair from the JSON API, as another device of the same person."""
    body = {"username": person.username, "password": person.password}
    response = httpx.post(server.url + "/auth/login", json=body, timeout=10)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def log_in(page: Page, server: Server, person: Person) -> None:
    """Log in through the login page; the header then names the person."""
    page.goto(server.url + "/app/login")
    page.get_by_label("Username or email").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=f"Account of {person.username}")).to_be_visible()


def signed_up(page: Page, server: Server, prefix: str = "p") -> Person:
    """A new person, registered by the API and logged in on this page."""
    person = register_by_api(server, new_person(prefix))
    log_in(page, server, person)
    return person


def emailed_link(server: Server, to: str, path: str, timeout: float = 10.0) -> str:
    """The newest link to `path` (e.g. "/app/verify-email") in an email to `to` that the server
    printed (the console backend), as a URL on the test server."""
    pattern = re.compile(rf"https?://[^/\s]+({re.escape(path)}\?token=[\w-]+)")
    deadline = time.monotonic() + timeout
    while True:
        text = server.log.read_text(errors="replace")
        messages = [part for part in text.split("To: ") if part.startswith(to + "\n")]
        links = [match for message in messages for match in pattern.findall(message)]
        if links:
            return f"{server.url}{links[-1]}"
        if time.monotonic() > deadline:
            pytest.fail(f"no email to {to} with a link to {path}:\n{server.logs()}")
        time.sleep(0.1)


def admin_by_cli(server: Server, prefix: str = "a") -> Person:
    """A new admin, made as the contract makes one: `tessera users create-admin`, run beside the
    server (its folder and environment, so its database)."""
    person = new_person(prefix)
    command = [sys.executable, "-m", "interfaces.cli.main", "users", "create-admin"]
    command += ["--username", person.username, "--email", person.email, "--password-stdin"]
    result = subprocess.run(
        command,
        input=person.password + "\n",
        capture_output=True,
        text=True,
        cwd=server.workdir,
        env=server.env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return person
