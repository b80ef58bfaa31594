"""`tessera serve --workers 2` as a real process group, on PostgreSQL and Redis.

The PostgreSQL and Redis server runs when both TEST_POSTGRES_URL and TEST_REDIS_URL are set (as
`.ci/run` does) and is skipped otherwise; the SQLite one, without a SECRET_KEY, always runs.

What "both workers answer" means here, honestly: the API does not say which worker served a
request, so the tests tell them apart from the outside only through Linux's /proc: the server's
two worker processes must both spend CPU time while the tests send requests over fresh
connections (the kernel hands each new connection to whichever worker accepts it). Everything
else is checked by outcomes that would go wrong if a worker disagreed: a token issued by one worker
must be accepted by both (one shared SECRET_KEY), logout-all must be honoured by both (sessions
live in the database), and a locked account must be refused by both (counts live in Redis).
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.postgres_schema import scratch_schema

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
SERVER_VARIABLES = frozenset(
    {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "AUTO_MIGRATE", "ALGORITHM"}
)

WORKERS = 2
STARTUP_SECONDS = 30.0
PASSWORD = "correct horse battery staple"
MAX_FAILURES = 5
REQUESTS = 100
# Enough /users/me requests (well under a millisecond of CPU each) for each worker's share to
# show in its CPU ticks.
BUSY_REQUESTS = 400
SERVE = [sys.executable, "-m", "interfaces.cli.main", "serve"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.log = log
        # No keep-alive: every request opens a fresh connection, which any worker may accept.
        self.client = httpx.Client(
            base_url=base_url, timeout=10.0, limits=httpx.Limits(max_keepalive_connections=0)
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, **kwargs)

    def workers(self) -> list[int]:
        """The server's worker processes: its children, but not multiprocessing's helpers."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            if parent == self.process.pid and b"resource_tracker" not in command:
                found.append(int(entry.name))
        return sorted(found)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the whole process group (the supervisor and its workers), politely, then not."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


@contextmanager
def serving(workdir: Path, settings: dict[str, str]) -> Iterator[Server]:
    """`tessera serve --workers 2` on a free port, up and answering, ended as a process group."""
    log = workdir / "server.log"
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in SERVER_VARIABLES}
    env.update(
        {
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_COST": "1024",
            "ARGON2_PARALLELISM": "1",
            # A per-IP limit of its own, so other suites sharing a Redis cannot exhaust it.
            "LOGIN_MAX_ATTEMPTS_PER_IP_PER_MINUTE": "10000",
            "LOGIN_MAX_FAILURES": str(MAX_FAILURES),
            **settings,
        }
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*SERVE, "--workers", str(WORKERS), "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as one in the finalizer
        )
    running: Server | None = None
    try:
        running = Server(process, f"http://127.0.0.1:{port}", log)
        wait_until_up(running)
        yield running
    finally:
        stop(process)
        if running is not None:
            running.client.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Production settings on PostgreSQL and Redis, one SECRET_KEY for both workers."""
    if POSTGRES_URL is None or REDIS_URL is None:
        pytest.skip("needs TEST_POSTGRES_URL and TEST_REDIS_URL (set by .ci/run)")
    with scratch_schema(POSTGRES_URL, prefix="tessera_scale") as database_url:
        settings = {
            "ENVIRONMENT": "production",
            # One key for every worker: each one builds its own container from this environment.
            "SECRET_KEY": secrets.token_urlsafe(48),
            # An empty schema: `serve` migrates it once, before starting the workers.
            "DATABASE_URL": database_url,
            "AUTO_MIGRATE": "true",
            "REDIS_URL": REDIS_URL,
        }
        with serving(tmp_path_factory.mktemp("serve"), settings) as running:
            yield running


def wait_until_up(server: Server) -> None:
    """Until /health answers and every worker has logged that its app started."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"tessera serve exited with {server.process.returncode}:\n{server.logs()}")
        started = server.log.read_text(errors="replace").count("Application startup complete")
        try:
            if started == WORKERS and server.request("GET", "/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"tessera serve did not come up in {STARTUP_SECONDS} s:\n{server.logs()}")


def register(server: Server) -> str:
    username = f"w{uuid.uuid4().hex[:12]}"
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    response = server.request("POST", "/auth/register", json=body)
    assert response.status_code == 201, response.text
    return username


def login(server: Server, username: str, password: str = PASSWORD) -> httpx.Response:
    return server.request("POST", "/auth/login", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_serve_migrated_once_and_is_ready(server: Server) -> None:
    assert server.request("GET", "/ready").json() == {"status": "ready"}
    assert len(server.workers()) == WORKERS


def test_both_workers_answer_and_accept_each_others_tokens(server: Server) -> None:
    username = register(server)
    token = login(server, username).json()["access_token"]
    before = {pid: cpu_ticks(pid) for pid in server.workers()}

    # Concurrent, so that while one worker is busy the kernel hands connections to the other
    # (one after another, an idle worker may win every accept).
    with ThreadPoolExecutor(max_workers=8) as clients:
        statuses = list(
            clients.map(
                lambda _: server.request("GET", "/users/me", headers=bearer(token)).status_code,
                range(BUSY_REQUESTS),
            )
        )

    # Had the workers different keys, about half of these would be 401.
    assert statuses == [200] * BUSY_REQUESTS
    busy = {pid: cpu_ticks(pid) - ticks for pid, ticks in before.items()}
    # An idle worker spends next to nothing; 5 ticks is 50 ms of CPU on the usual 100 Hz clock.
    assert all(spent >= 5 for spent in busy.values()), busy


def test_logout_all_through_one_worker_is_honoured_by_every_worker(server: Server) -> None:
    username = register(server)
    first = login(server, username).json()["access_token"]
    second = login(server, username).json()["access_token"]
    for _ in range(10):
        assert server.request("GET", "/users/me", headers=bearer(second)).status_code == 200

    assert server.request("POST", "/auth/logout-all", headers=bearer(first)).status_code == 204

    refused = [
        server.request("GET", "/users/me", headers=bearer(second)).status_code for _ in range(20)
    ]
    assert refused == [401] * 20


def test_a_locked_account_is_refused_by_every_worker(server: Server) -> None:
    username = register(server)
    for _ in range(MAX_FAILURES):
        failed = login(server, username, "not the password at all")
        assert (failed.status_code, failed.json()["code"]) == (401, "invalid_credentials")

    attempts = [login(server, username) for _ in range(1 + 10)]

    assert [(r.status_code, r.json()["code"]) for r in attempts] == [
        (429, "too_many_attempts")
    ] * 11
    assert all(int(response.headers["retry-after"]) > 0 for response in attempts)


def test_workers_share_one_generated_key_when_none_is_configured(tmp_path: Path) -> None:
    """Without SECRET_KEY each worker would make its own (test) or race to write the key file
    (development); `serve` resolves the key once, before the workers start."""
    settings = {"ENVIRONMENT": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}"}
    with serving(tmp_path, settings) as running:
        token = login(running, register(running)).json()["access_token"]
        statuses = [
            running.request("GET", "/users/me", headers=bearer(token)).status_code
            for _ in range(40)
        ]
    assert statuses == [200] * 40


def test_workers_log_json_lines_without_secrets(server: Server) -> None:
    """In production every worker logs JSON lines (request and audit lines included); no line
    holds the password or a token. Console emails are printed between them, as plain text."""
    username = register(server)
    tokens = login(server, username).json()
    user_id = tokens["user"]["id"]
    assert server.request("GET", "/users/me", headers=bearer(tokens["access_token"])).is_success

    def entries() -> list[dict[str, Any]]:
        lines = server.log.read_text(errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    deadline = time.monotonic() + 10
    while not any(
        entry.get("audit", {}).get("user_id") == user_id
        and entry["audit"]["event_type"] == "login_succeeded"
        for entry in entries()
    ):
        assert time.monotonic() < deadline, "no login_succeeded line"
        time.sleep(0.1)

    logged = entries()
    loggers = Counter(entry["logger"] for entry in logged)
    assert loggers["tessera.access"] > 0, loggers
    assert loggers["tessera.audit"] > 0, loggers
    started = [entry for entry in logged if "Application startup complete" in entry["message"]]
    assert len(started) == WORKERS
    text = server.log.read_text(errors="replace")
    for secret in (PASSWORD, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text
