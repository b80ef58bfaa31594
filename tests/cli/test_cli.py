"""The `tessera` command line, run as a real process: exit codes, one-line errors, real effects."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, make_settings

ADMIN = ["users", "create-admin", "--username", "root", "--email", "root@example.com"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tessera.db'}"


def tessera(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "ARGON2_PARALLELISM": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "interfaces.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert words in lines[0].lower()


def test_create_admin_then_log_in_over_http(database_url: str, tmp_path: Path) -> None:
    result = tessera(database_url, *ADMIN, "--password-stdin", stdin=STRONG_PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "root" in result.stdout
    settings = make_settings(tmp_path, database_url=database_url)
    with TestClient(create_app(build_container(settings))) as client:
        response = client.post(
            "/auth/login", json={"username": "root", "password": STRONG_PASSWORD}
        )
    assert response.status_code == 200
    user = response.json()["user"]
    assert (user["role"], user["is_active"], user["email_verified"]) == ("admin", True, True)


def test_a_weak_password_fails_in_one_line_and_creates_nothing(database_url: str) -> None:
    result = tessera(database_url, *ADMIN, "--password-stdin", stdin="password\n")
    assert_one_line_failure(result, "password")
    assert "root" not in tessera(database_url, "users", "list").stdout


def test_the_password_must_come_from_stdin(database_url: str) -> None:
    assert_one_line_failure(tessera(database_url, *ADMIN), "--password-stdin")
    assert_one_line_failure(tessera(database_url, *ADMIN, "--password-stdin"), "no password")


@pytest.mark.parametrize(
    "args",
    [["frobnicate"], ["users", "create-admin", "--bogus"], ["serve", "--port", "http"]],
)
def test_usage_errors_are_one_line(database_url: str, args: list[str]) -> None:
    result = tessera(database_url, *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_list_deactivate_and_activate(database_url: str) -> None:
    tessera(database_url, *ADMIN, "--password-stdin", stdin=STRONG_PASSWORD + "\n")
    tessera(
        database_url,
        "users",
        "create-admin",
        "--username",
        "second",
        "--email",
        "s@example.com",
        "--password-stdin",
        stdin=STRONG_PASSWORD + "\n",
    )
    listing = tessera(database_url, "users", "list")
    assert listing.returncode == 0
    assert "root" in listing.stdout
    assert "second" in listing.stdout
    deactivated = tessera(database_url, "users", "deactivate", "ROOT")
    assert deactivated.returncode == 0, deactivated.stderr
    assert "inactive" in tessera(database_url, "users", "list").stdout
    assert_one_line_failure(
        tessera(database_url, "users", "deactivate", "second"), "last active admin"
    )
    assert tessera(database_url, "users", "activate", "root").returncode == 0
    assert "inactive" not in tessera(database_url, "users", "list").stdout
    assert_one_line_failure(tessera(database_url, "users", "activate", "ghost"), "not found")


def test_db_upgrade_and_current(database_url: str) -> None:
    assert tessera(database_url, "db", "upgrade").returncode == 0
    current = tessera(database_url, "db", "current")
    assert current.returncode == 0
    assert current.stdout.strip() != ""
    assert "no revision" not in current.stdout


def test_bad_configuration_is_one_line(database_url: str) -> None:
    result = tessera("nonsense://nowhere", "users", "list")
    assert_one_line_failure(result, "")
