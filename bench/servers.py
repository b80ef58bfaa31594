"""The processes a benchmark run starts, and their stopping: nothing outlives the run."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parent.parent

FASTAPI_USERS_VERSION = "15.0.5"  # the newest 15.x on PyPI, December 2026
FASTAPI_USERS_PACKAGES = [
    f"fastapi-users[sqlalchemy]=={FASTAPI_USERS_VERSION}",
    "aiosqlite",
    "uvicorn[standard]",
]
# The server stack of the throwaway environment is the benchmark's own, so that the comparison is of
# the applications, not of uvicorn's or FastAPI's versions.
SHARED_STACK = [
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic-core",
    "uvicorn",
    "uvloop",
    "httptools",
]


@dataclass(frozen=True)
class Server:
    base_url: str
    process: subprocess.Popen[bytes]

    def peak_rss_mib(self) -> float:
        """The process's resident-set high-water mark (Linux's VmHWM), since it started."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc: peak RSS is read on Linux only")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running(
    command: list[str], port: int, health_path: str, env: Mapping[str, str], cwd: Path, log: Path
) -> Iterator[Server]:
    """Start `command`, wait until `health_path` answers 200, and stop it (and its children) after."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it stops its children
        )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_healthy(server, health_path, log)
        yield server
    finally:
        _stop(process)


def tessera(
    port: int, env: Mapping[str, str], cwd: Path, log: Path
) -> AbstractContextManager[Server]:
    command = [str(BIN / "tessera"), "serve", "--port", str(port), "--workers", "1"]
    return running(command, port, "/health", env, cwd, log)


def ceiling(port: int, cwd: Path, log: Path) -> AbstractContextManager[Server]:
    command = [
        *(sys.executable, "-m", "uvicorn", "bench.ceiling_app:app"),
        *("--host", "127.0.0.1", "--port", str(port)),
        *("--no-access-log", "--no-server-header"),
    ]
    return running(command, port, "/ceiling", {"PYTHONPATH": str(REPOSITORY)}, cwd, log)


def fastapi_users_environment(folder: Path, log: Path) -> Path:
    """A throwaway virtual environment in `folder` holding fastapi-users and its SQLAlchemy
    adapter, aiosqlite and uvicorn[standard] (from PyPI; the project's own environment and
    dependencies are not touched); its Python interpreter is returned."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    constraints = folder / "constraints.txt"
    constraints.write_text("".join(f"{name}=={metadata.version(name)}\n" for name in SHARED_STACK))
    with log.open("wb") as output:
        installed = subprocess.run(
            [
                *(str(python), "-m", "pip", "install", "--disable-pip-version-check"),
                *("--constraint", str(constraints), *FASTAPI_USERS_PACKAGES),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if installed.returncode != 0:
        raise RuntimeError(f"installing fastapi-users failed; pip's output is in {log}")
    return python


def fastapi_users(
    python: Path, port: int, env: Mapping[str, str], cwd: Path, log: Path
) -> AbstractContextManager[Server]:
    """bench/fastapi_users_app.py under the `python` of `fastapi_users_environment`: one uvicorn
    worker with uvloop and httptools, as `tessera serve` runs."""
    command = [
        *(str(python), "-m", "uvicorn", "bench.fastapi_users_app:app"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        *("--loop", "uvloop", "--http", "httptools"),
        *("--no-access-log", "--no-server-header"),
    ]
    return running(command, port, "/docs", {**env, "PYTHONPATH": str(REPOSITORY)}, cwd, log)


def _wait_until_healthy(server: Server, path: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited early; its output is in {log}")
        try:
            with urllib.request.urlopen(server.base_url + path, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {timeout} s; its output is in {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
