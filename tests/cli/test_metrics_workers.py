"""`tessera serve --workers 2` with METRICS_ENABLED: one coherent set of metrics for both workers.

`serve` makes a PROMETHEUS_MULTIPROC_DIR before the workers start; each worker counts into files of
its own there, and whichever worker answers /metrics adds them all up. Requests are spread over both
workers (each response names its worker in test mode) and the totals must match what was sent.
"""

import os
import subprocess
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.scale.test_workers import (
    PASSWORD,
    SERVE,
    Server,
    answers_of_every_worker,
    free_port,
    login,
    register,
    serving,
    stop,
    worker,
)

TOKEN = "metrics-token-for-the-workers-test"


def scrape(server: Server) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = server.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def ready_count(found: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> float:
    labels = frozenset({"route": "/ready", "method": "GET", "status": "200"}.items())
    return found.get(("tessera_http_requests_total", labels), 0.0)


def metrics_directory(server: Server) -> Path:
    """The PROMETHEUS_MULTIPROC_DIR `serve` gave its workers (read from a worker's environment)."""
    environ = Path(f"/proc/{server.workers()[0]}/environ").read_bytes().split(b"\0")
    (entry,) = [item for item in environ if item.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    return Path(os.fsdecode(entry.partition(b"=")[2]))


def test_two_workers_report_one_coherent_set(tmp_path: Path) -> None:
    settings = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}",
        "METRICS_ENABLED": "true",
        "METRICS_TOKEN": TOKEN,
    }
    with serving(tmp_path, settings) as server:
        directory = metrics_directory(server)
        assert server.request("GET", "/metrics").status_code == 401

        username = register(server)
        assert login(server, username, "not the password at all").status_code == 401
        assert login(server, username, PASSWORD).status_code == 200

        # /ready, which nothing else asks for (waiting for the server to start asked /health).
        by_worker = answers_of_every_worker(server, lambda: server.request("GET", "/ready"))
        sent = sum(len(answers) for answers in by_worker.values())
        assert len(by_worker) == 2

        # Each worker counted into files of its own, in the one folder.
        files = {path.name for path in directory.iterdir()}
        for pid in by_worker:
            assert f"counter_{pid}.db" in files, files

        # Counted as each response ends: give the last ones a moment, then every worker's
        # requests are in the one answer, whichever worker gives it.
        deadline = time.monotonic() + 10
        while ready_count(found := scrape(server)) < sent:
            assert time.monotonic() < deadline, (ready_count(found), sent)
            time.sleep(0.1)
        assert ready_count(found) == sent
        logins = {
            dict(labels)["outcome"]: number
            for (name, labels), number in found.items()
            if name == "tessera_logins_total"
        }
        assert logins == {"succeeded": 1, "failed": 1, "throttled": 0}
        in_use: tuple[str, frozenset[tuple[str, str]]] = (
            "tessera_db_pool_connections_in_use",
            frozenset(),
        )
        assert found[in_use] >= 0

        # The request id reaches the workers' log lines.
        traced = server.request("GET", "/health", headers={"X-Request-ID": "trace-workers-1"})
        assert traced.headers["x-request-id"] == "trace-workers-1"
        deadline = time.monotonic() + 10
        while "GET /health 200" not in _line_naming(server, "request_id=trace-workers-1"):
            assert time.monotonic() < deadline, server.logs()
            time.sleep(0.1)
        assert worker(traced) in by_worker

    assert not directory.exists()  # removed once the workers stopped


def _line_naming(server: Server, words: str) -> str:
    lines = server.log.read_text(errors="replace").splitlines()
    return next((line for line in lines if words in line), "")


def test_a_single_process_needs_no_folder(tmp_path: Path) -> None:
    """`--workers 1` counts in memory: no PROMETHEUS_MULTIPROC_DIR is made."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "ENVIRONMENT": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}",
        "METRICS_ENABLED": "true",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert 'tessera_http_requests_total{method="GET",route="/health",status="200"}' in text
        environ = Path(f"/proc/{process.pid}/environ").read_bytes()
        assert b"PROMETHEUS_MULTIPROC_DIR" not in environ
    finally:
        stop(process)
