"""A real `tessera serve` for the browser tests, and what they do over plain HTTP beside the page."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

# Settings from the environment the server must not inherit: it runs on its embedded defaults.
SERVER_VARIABLES = frozenset(
    {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "AUTO_MIGRATE", "ALGORITHM"}
)
STARTUP_SECONDS = 30.0
PASSWORD = "correct horse battery staple"


@dataclass
class Server:
    url: str
    log: Path
    workdir: Path
    env: dict[str, str]
    """What it runs with: a `tessera` command run from `workdir` with `env` shares its database."""

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    workdir: Path,
    settings: dict[str, str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> Iterator[Server]:
    """`tessera serve` on a free 127.0.0.1 port (or `port`), from `workdir` (its SQLite file and
    secret).

    `host` is the name the pages are opened by; "localhost" (a secure context, as WebAuthn
    needs, without https) also makes it the server's PUBLIC_BASE_URL, so its RP ID."""
    port = port or free_port()
    env = {key: value for key, value in os.environ.items() if key not in SERVER_VARIABLES}
    # Cheap password hashing: the browser tests are about pages, not Argon2's cost.
    env.update({"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024", "ARGON2_PARALLELISM": "1"})
    url = f"http://{host}:{port}"
    if host != "127.0.0.1":
        env["PUBLIC_BASE_URL"] = url
    env.update(settings or {})
    server = Server(url, workdir / "server.log", workdir, env)
    command = [sys.executable, "-m", "interfaces.cli.main", "serve", "--port", str(port)]
    with server.log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(server.url + "/health"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"tessera serve did not come up:\n{server.logs()}")
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def register(server: Server, username: str) -> None:
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    response = httpx.post(server.url + "/auth/register", json=body, timeout=10)
    assert response.status_code == 201, response.text
