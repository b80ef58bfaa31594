"""Driving a server with wrk: a Lua script per scenario that prints its figures as one JSON line."""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "wrk is not installed: on Debian or Ubuntu, `sudo apt-get install wrk`"

# wrk calls done() once, with every thread's figures merged; latencies are in microseconds.
_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    body: str | None = None
    bearer: str | None = None
    content_type: str = "application/json"


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(INSTALL_HINT)
    return path


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of printable ASCII is a valid Lua string literal


def _script(request: Request) -> str:
    lines = [f"wrk.method = {_lua_string(request.method)}"]
    if request.body is not None:
        lines += [
            f"wrk.body = {_lua_string(request.body)}",
            f'wrk.headers["Content-Type"] = {_lua_string(request.content_type)}',
        ]
    if request.bearer is not None:
        lines.append(f'wrk.headers["Authorization"] = {_lua_string("Bearer " + request.bearer)}')
    return "\n".join(lines) + "\n" + _REPORT


def start(
    base_url: str, request: Request, connections: int, seconds: float
) -> subprocess.Popen[str]:
    """Start wrk in the background; `finish` waits for it and reads its figures."""
    script = Path(tempfile.mkdtemp(prefix="tessera-wrk-")) / "scenario.lua"
    script.write_text(_script(request))
    command = [
        require_wrk(),
        f"--threads={min(2, connections)}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={script}",
        base_url + request.path,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen[str]) -> Result:
    output, _ = process.communicate()
    for line in output.splitlines():
        if line.startswith("WRK_RESULT "):
            figures = json.loads(line.removeprefix("WRK_RESULT "))
            return Result(
                requests=figures["requests"],
                seconds=figures["duration_us"] / 1e6,
                non_2xx=figures["non_2xx"],
                socket_errors=figures["socket_errors"],
                p50_ms=figures["p50_us"] / 1000,
                p99_ms=figures["p99_us"] / 1000,
                max_ms=figures["max_us"] / 1000,
            )
    raise RuntimeError(f"wrk printed no result:\n{output}")


def run(base_url: str, request: Request, connections: int, seconds: float) -> Result:
    return finish(start(base_url, request, connections, seconds))
