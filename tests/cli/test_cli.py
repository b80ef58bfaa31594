"""The `tessera` command line: exit codes, one-line errors, real effects."""

import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from infrastructure.persistence.migrator import AlembicMigrator
from interfaces.cli.main import run
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, make_settings
from tests.api.test_asymmetric_keys_api import write_private_key
from tests.services import require_postgres
from tests.support.postgres_schema import scratch_schema

ADMIN = ["users", "create-admin", "--username", "root", "--email", "root@example.com"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A migrated database, as `tessera db upgrade` (or the first `tessera serve`) leaves it."""
    url = f"sqlite:///{tmp_path / 'tessera.db'}"
    AlembicMigrator(url).upgrade()
    return url


def command_environment(
    database_url: str | None, settings: dict[str, str] | None
) -> dict[str, str]:
    """What `tessera` finds in its environment: this run's, with cheap hashing and the database."""
    env = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        "ENVIRONMENT": "test",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "ARGON2_PARALLELISM": "1",
        **(settings or {}),
    }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def tessera(
    database_url: str | None,
    *args: str,
    stdin: str = "",
    cwd: Path | None = None,
    settings: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `tessera` (with no database_url, on the default one: ./tessera.db in `cwd`).

    In this process, through the entry point `python -m interfaces.cli.main` calls (`run`), with
    the environment, standard streams and folder a process of its own would have, all restored
    afterwards: a fresh interpreter costs a second of imports per command, and these tests run
    dozens. `tessera_process` runs the real process, for what only a process shows."""
    saved_environment, saved_folder = dict(os.environ), os.getcwd()
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(command_environment(database_url, settings))
        if cwd is not None:
            os.chdir(cwd)
        with (
            mock.patch.object(sys, "stdin", io.StringIO(stdin)),
            redirect_stdout(stdout),
            redirect_stderr(stderr),
        ):
            status = run(list(args))
    finally:
        os.chdir(saved_folder)
        os.environ.clear()
        os.environ.update(saved_environment)
    return subprocess.CompletedProcess(args, status, stdout.getvalue(), stderr.getvalue())


def tessera_process(
    database_url: str | None,
    *args: str,
    cwd: Path | None = None,
    settings: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m interfaces.cli.main` as a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "interfaces.cli.main", *args],
        capture_output=True,
        text=True,
        env=command_environment(database_url, settings),
        cwd=cwd,
        timeout=60,
        check=False,
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert words in lines[0].lower()


def test_create_admin_and_deactivate_are_audited_as_the_operators(
    database_url: str, tmp_path: Path
) -> None:
    created = tessera(database_url, *ADMIN, "--password-stdin", stdin=STRONG_PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    second = [*ADMIN[:2], "--username", "ada", "--email", "ada@example.com", "--password-stdin"]
    assert tessera(database_url, *second, stdin=STRONG_PASSWORD + "\n").returncode == 0
    deactivated = tessera(database_url, "users", "deactivate", "ada")
    assert deactivated.returncode == 0, deactivated.stderr
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        rows = db.execute(
            "SELECT event_type, user_id FROM audit_events ORDER BY occurred_at"
        ).fetchall()
        ids = dict(db.execute("SELECT username, id FROM users").fetchall())
    assert rows == [
        ("admin_created", ids["root"]),
        ("admin_created", ids["ada"]),
        ("account_deactivated", ids["ada"]),
    ]


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
    result = tessera_process(database_url, *args)
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


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"ALGORITHM": "RS256"}, "needs a private key file"),
        ({"ALGORITHM": "RS256", "JWT_PRIVATE_KEY_FILE": "/nonexistent/key.pem"}, "key"),
        ({"ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": "PEM"}, "key"),
    ],
)
def test_serve_refuses_to_start_without_usable_signing_keys(
    tmp_path: Path, settings: dict[str, str], words: str
) -> None:
    # Before, the server started and every login and the JWKS answered 500.
    settings = {**settings}
    if settings.get("JWT_PRIVATE_KEY_FILE") == "PEM":
        not_a_key = tmp_path / "not-a-key.pem"
        not_a_key.write_text(
            "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
        )
        settings["JWT_PRIVATE_KEY_FILE"] = str(not_a_key)
    result = tessera(None, "serve", "--port", "1", cwd=tmp_path, settings=settings)
    assert result.returncode == 2, result.stderr
    assert_one_line_failure(result, words)
    assert "jwt keys" in result.stderr.lower()


def test_create_admin_refuses_a_username_the_api_refuses(database_url: str) -> None:
    result = tessera(
        database_url,
        *["users", "create-admin", "--username", "root\n", "--email", "root@example.com"],
        "--password-stdin",
        stdin=STRONG_PASSWORD + "\n",
    )
    assert_one_line_failure(result, "username")
    assert tessera(database_url, "users", "list").stdout == ""


def test_reset_mfa_lets_a_locked_out_admin_in_with_the_password_alone(
    database_url: str, tmp_path: Path
) -> None:
    """The admin lost the authenticator and the recovery codes: the operator turns it off."""
    created = tessera(database_url, *ADMIN, "--password-stdin", stdin=STRONG_PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    settings = make_settings(tmp_path, database_url=database_url)
    credentials = {"username": "root", "password": STRONG_PASSWORD}
    with TestClient(create_app(build_container(settings))) as client:
        token = client.post("/auth/login", json=credentials).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        secret = client.post(
            "/auth/mfa/totp/setup", headers=headers, json={"password": STRONG_PASSWORD}
        ).json()["secret"]
        code = pyotp.TOTP(secret).now()
        confirmed = client.post("/auth/mfa/totp/confirm", headers=headers, json={"code": code})
        assert confirmed.status_code == 200, confirmed.text
        assert client.post("/auth/login", json=credentials).json()["code"] == "mfa_required"

    reset = tessera(database_url, "users", "reset-mfa", "ROOT")

    assert reset.returncode == 0, reset.stderr
    assert "second factor off" in reset.stdout
    with TestClient(create_app(build_container(settings))) as client:
        response = client.post("/auth/login", json=credentials)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["mfa_enabled"] is False
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        (event,) = db.execute(
            "SELECT details FROM audit_events WHERE event_type = 'mfa_reset'"
        ).fetchall()
        remaining = db.execute("SELECT count(*) FROM totp_factors").fetchone()
    assert json.loads(event[0]) == {"was_enabled": True, "passkeys_removed": 0}
    assert remaining == (0,)


def test_reset_mfa_of_an_unknown_user_fails_in_one_line(database_url: str) -> None:
    assert_one_line_failure(tessera(database_url, "users", "reset-mfa", "nobody"), "not found")


ACCOUNT_COMMANDS = [
    ["users", "list"],
    [*ADMIN, "--password-stdin"],
    ["users", "activate", "root"],
    ["users", "deactivate", "root"],
    ["users", "reset-mfa", "root"],
]


@pytest.mark.parametrize("args", ACCOUNT_COMMANDS)
def test_an_account_command_never_creates_the_default_database(
    tmp_path: Path, args: list[str]
) -> None:
    """Run from a folder without a database, on the default DATABASE_URL (./tessera.db)."""
    result = tessera(None, *args, stdin=STRONG_PASSWORD + "\n", cwd=tmp_path)
    assert_one_line_failure(result, "no database")
    assert "tessera db upgrade" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_account_command_never_creates_a_missing_database_or_its_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "tessera.db"
    result = tessera(f"sqlite:///{missing}", "users", "list")
    assert_one_line_failure(result, "no database")
    assert not missing.parent.exists()


@pytest.mark.parametrize("args", ACCOUNT_COMMANDS[:2])
def test_an_account_command_refuses_an_unmigrated_database_and_leaves_it_alone(
    tmp_path: Path, args: list[str]
) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    result = tessera(f"sqlite:///{path}", *args, stdin=STRONG_PASSWORD + "\n")
    assert_one_line_failure(result, "not migrated")
    assert "tessera db upgrade" in result.stderr
    with sqlite3.connect(path) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []


def test_an_account_command_refuses_an_unmigrated_postgresql_schema() -> None:
    with scratch_schema(require_postgres(), prefix="tessera_cli") as url:
        result = tessera(url, "users", "list")
        assert_one_line_failure(result, "not migrated")
        assert AlembicMigrator(url).current() is None


def write_public_key(path: Path, algorithm: str) -> str:
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS256"
        else ed25519.Ed25519PrivateKey.generate()
    )
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return str(path)


STRONG_SECRET = "a-strong-secret-for-the-cli-tests-0123456789"

CONFIGURATION_MISTAKES = [
    # The JWT keys: previous public keys that cannot be read or do not fit the algorithm.
    pytest.param(
        {"ALGORITHM": "RS256", "JWT_PREVIOUS_PUBLIC_KEY_FILES": "/nonexistent/old.pem"},
        "cannot read the previous jwt public key file",
        id="unreadable-previous-key",
    ),
    pytest.param(
        {"ALGORITHM": "EdDSA", "JWT_PREVIOUS_PUBLIC_KEY_FILES": "RSA"},
        "ed25519",
        id="previous-key-of-another-type",
    ),
    pytest.param(
        {"SECRET_KEY": STRONG_SECRET, "SECRET_KEY_PREVIOUS": f"{STRONG_SECRET}, too-short"},
        "secret_key_previous, entry 2",
        id="weak-previous-secret",
    ),
    pytest.param(
        {"ALGORITHM": "RS256", "SECRET_KEY_PREVIOUS": STRONG_SECRET},
        "secret_key_previous is for hs256",
        id="previous-secret-with-rs256",
    ),
    # Malformed URLs: stopped here, not at the first request that needs them (a 500).
    pytest.param({"DATABASE_URL": "not a url"}, "database_url: not a database url", id="db"),
    pytest.param(
        {"DATABASE_URL": "nonsense://nowhere"}, "no database driver", id="db-unknown-driver"
    ),
    pytest.param(
        {"DATABASE_URL": "postgresql+psycopg://tessera:hunter2-secret@db:port/tessera"},
        "database_url",
        id="db-bad-port",
    ),
    pytest.param({"REDIS_URL": "localhost:6379"}, "redis_url: not a redis url", id="redis"),
    pytest.param({"REDIS_URL": "redis://cache/zero"}, "redis_url", id="redis-database"),
    pytest.param({"PUBLIC_BASE_URL": "app.example.com"}, "public_base_url", id="public-base-url"),
]


@pytest.mark.parametrize(("settings", "words"), CONFIGURATION_MISTAKES)
def test_serve_stops_at_start_on_a_configuration_mistake(
    tmp_path: Path, settings: dict[str, str], words: str
) -> None:
    """SECURITY.md 78: one line on stderr, exit 2, no traceback, and nothing served."""
    settings = {**settings}
    if settings.get("ALGORITHM") in ("RS256", "EdDSA"):
        private = tmp_path / "private.pem"
        write_private_key(private, settings["ALGORITHM"])
        settings["JWT_PRIVATE_KEY_FILE"] = str(private)
    if settings.get("JWT_PREVIOUS_PUBLIC_KEY_FILES") == "RSA":
        settings["JWT_PREVIOUS_PUBLIC_KEY_FILES"] = write_public_key(tmp_path / "old.pem", "RS256")
    result = tessera(None, "serve", "--port", "1", cwd=tmp_path, settings=settings)
    assert result.returncode == 2, result.stderr
    assert_one_line_failure(result, words)
    assert result.stderr.startswith("tessera: error: configuration: ")
    assert "hunter2" not in result.stderr  # a URL's password is never repeated
    assert not (tmp_path / "tessera.db").exists()  # stopped before migrating anything


def test_serve_starts_with_previous_keys_that_are_fine(tmp_path: Path) -> None:
    """The control for the test above: the same settings, right, pass the start-up checks (the
    server then fails to bind a port already taken, a later and different failure)."""
    private = tmp_path / "private.pem"
    write_private_key(private, "RS256")
    settings = {
        "ALGORITHM": "RS256",
        "JWT_PRIVATE_KEY_FILE": str(private),
        "JWT_PREVIOUS_PUBLIC_KEY_FILES": write_public_key(tmp_path / "old.pem", "RS256"),
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "PUBLIC_BASE_URL": "https://app.example.com",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = tessera_process(None, "serve", "--port", port, cwd=tmp_path, settings=settings)
    assert result.returncode not in (0, 2), result.stderr  # uvicorn's own failure to start
    assert "configuration" not in result.stderr
    assert "address already in use" in result.stderr.lower()
    assert (tmp_path / "tessera.db").exists()  # it got as far as migrating


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"OIDC_PROVIDERS": "corp"}, "oidc_corp_issuer"),
        # Nothing listens there: discovery fails, so the start does.
        (
            {
                "OIDC_PROVIDERS": "corp",
                "OIDC_CORP_ISSUER": "http://127.0.0.1:PORT",
                "OIDC_CORP_CLIENT_ID": "tessera",
            },
            "discovery",
        ),
    ],
)
def test_serve_refuses_to_start_with_a_misconfigured_identity_provider(
    tmp_path: Path, settings: dict[str, str], words: str
) -> None:
    # SECURITY.md 78: a configuration mistake stops the start, rather than every sign-in failing
    # (the other mistakes: tests/adapters/test_oidc_provider.py).
    settings = {name: value.replace("PORT", str(free_port())) for name, value in settings.items()}
    result = tessera(None, "serve", "--port", "1", cwd=tmp_path, settings=settings)
    assert result.returncode == 2, result.stderr
    assert_one_line_failure(result, words)
