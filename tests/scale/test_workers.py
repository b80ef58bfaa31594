"""`tessera serve --workers 2` as a real process group, on PostgreSQL and Redis.

The PostgreSQL and Redis servers need TEST_POSTGRES_URL and TEST_REDIS_URL (set by `.ci/run`):
without them their tests are reported as skipped (failed under CI=true, see tests/services.py).
The SQLite one, without a SECRET_KEY, always runs.

Which worker answered: in `ENVIRONMENT=test` every response names its process in
`X-Tessera-Worker`. A cross-worker test notes the worker that issued a token (or logged out, or
counted the failures), then sends requests over fresh, concurrent connections (the kernel hands
each one to whichever worker accepts it) until both workers have answered, and checks the answers
of the *other* worker. The production server, without that header, checks what only production
does (JSON logs, migrating once).
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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.services import require_postgres, require_redis
from tests.support.postgres_schema import scratch_schema

SERVER_VARIABLES = frozenset(
    {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "AUTO_MIGRATE", "ALGORITHM"}
)

WORKERS = 2
STARTUP_SECONDS = 30.0
PASSWORD = "correct horse battery staple"
MAX_FAILURES = 5
# Requests sent at once, per round, until both workers have answered.
CONCURRENT = 8
ROUNDS = 50
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


@contextmanager
def serving_on_postgres_and_redis(workdir: Path, environment: str) -> Iterator[Server]:
    """One SECRET_KEY for both workers, an empty schema that `serve` migrates once, Redis."""
    with scratch_schema(require_postgres(), prefix="tessera_scale") as database_url:
        settings = {
            "ENVIRONMENT": environment,
            # One key for every worker: each one builds its own container from this environment.
            "SECRET_KEY": secrets.token_urlsafe(48),
            # An empty schema: `serve` migrates it once, before starting the workers.
            "DATABASE_URL": database_url,
            "AUTO_MIGRATE": "true",
            "REDIS_URL": require_redis(),
        }
        with serving(workdir, settings) as running:
            yield running


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Production settings on PostgreSQL and Redis."""
    with serving_on_postgres_and_redis(tmp_path_factory.mktemp("serve"), "production") as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same in test mode, whose responses name the worker that answered."""
    with serving_on_postgres_and_redis(tmp_path_factory.mktemp("serve"), "test") as running:
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


def worker(response: httpx.Response) -> int:
    """The pid of the worker that answered (test mode only)."""
    return int(response.headers["x-tessera-worker"])


def answers_of_every_worker(
    server: Server, send: Callable[[], httpx.Response]
) -> dict[int, list[httpx.Response]]:
    """`send()` over concurrent fresh connections, round after round, until every worker of the
    server has answered at least once; the answers, by worker. One after another, an idle worker
    may win every accept; at once, the kernel hands connections to whichever worker is free."""
    by_worker: dict[int, list[httpx.Response]] = {}
    workers = set(server.workers())
    with ThreadPoolExecutor(max_workers=CONCURRENT) as clients:
        for _ in range(ROUNDS):
            for response in clients.map(lambda _: send(), range(CONCURRENT)):
                by_worker.setdefault(worker(response), []).append(response)
            if set(by_worker) == workers:
                return by_worker
    pytest.fail(f"only workers {sorted(by_worker)} of {sorted(workers)} answered")


def other_worker(by_worker: dict[int, list[httpx.Response]], first: int) -> list[httpx.Response]:
    """The answers of the worker that is not `first` (which must be one of the two)."""
    assert first in by_worker, (first, sorted(by_worker))
    (other,) = set(by_worker) - {first}
    return by_worker[other]


def statuses(responses: list[httpx.Response]) -> list[int]:
    return [response.status_code for response in responses]


def test_serve_migrated_once_and_is_ready(production_server: Server) -> None:
    assert production_server.request("GET", "/ready").json() == {"status": "ready"}
    assert len(production_server.workers()) == WORKERS
    assert "x-tessera-worker" not in production_server.request("GET", "/health").headers


def test_a_token_issued_by_one_worker_is_accepted_by_the_other(server: Server) -> None:
    username = register(server)
    issued = login(server, username)
    token = issued.json()["access_token"]

    by_worker = answers_of_every_worker(
        server, lambda: server.request("GET", "/users/me", headers=bearer(token))
    )

    # Had the workers different keys, the other worker would answer 401.
    answers = other_worker(by_worker, worker(issued))
    assert statuses(answers) == [200] * len(answers)
    assert {answer.json()["username"] for answer in answers} == {username}


def test_logout_all_through_one_worker_is_honoured_by_the_other(server: Server) -> None:
    username = register(server)
    first = login(server, username).json()["access_token"]
    second = login(server, username).json()["access_token"]
    assert server.request("GET", "/users/me", headers=bearer(second)).status_code == 200

    logout = server.request("POST", "/auth/logout-all", headers=bearer(first))
    assert logout.status_code == 204

    by_worker = answers_of_every_worker(
        server, lambda: server.request("GET", "/users/me", headers=bearer(second))
    )
    answers = other_worker(by_worker, worker(logout))
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(401, "invalid_token")] * len(
        answers
    )
    assert statuses(by_worker[worker(logout)]) == [401] * len(by_worker[worker(logout)])


def test_an_account_locked_through_one_worker_is_refused_by_the_other(server: Server) -> None:
    username = register(server)
    for _ in range(MAX_FAILURES):
        failed = login(server, username, "not the password at all")
        assert (failed.status_code, failed.json()["code"]) == (401, "invalid_credentials")

    by_worker = answers_of_every_worker(server, lambda: login(server, username))

    # Each worker counted in memory, the other would let the right password in.
    answers = other_worker(by_worker, worker(failed))
    assert [(a.status_code, a.json()["code"]) for a in answers] == [
        (429, "too_many_attempts")
    ] * len(answers)
    assert all(int(answer.headers["retry-after"]) > 0 for answer in answers)


def test_workers_share_one_generated_key_when_none_is_configured(tmp_path: Path) -> None:
    """Without SECRET_KEY each worker would make its own (test) or race to write the key file
    (development); `serve` resolves the key once, before the workers start."""
    settings = {"ENVIRONMENT": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}"}
    with serving(tmp_path, settings) as running:
        issued = login(running, register(running))
        token = issued.json()["access_token"]
        by_worker = answers_of_every_worker(
            running, lambda: running.request("GET", "/users/me", headers=bearer(token))
        )
    answers = other_worker(by_worker, worker(issued))
    assert statuses(answers) == [200] * len(answers)


def test_workers_log_json_lines_without_secrets(production_server: Server) -> None:
    """In production every worker logs JSON lines (request and audit lines included); no line
    holds the password or a token. Console emails are printed between them, as plain text."""
    username = register(production_server)
    tokens = login(production_server, username).json()
    user_id = tokens["user"]["id"]
    assert production_server.request(
        "GET", "/users/me", headers=bearer(tokens["access_token"])
    ).is_success

    def entries() -> list[dict[str, Any]]:
        lines = production_server.log.read_text(errors="replace").splitlines()
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
    text = production_server.log.read_text(errors="replace")
    for secret in (PASSWORD, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text
