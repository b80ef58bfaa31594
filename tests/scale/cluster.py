"""Several `tessera serve` instances on one PostgreSQL schema and one Redis, behind nginx.

What `test_behind_nginx.py` runs: each instance is a separate `tessera serve` process group on a
port of its own, with production settings; nginx, started from a config written here, balances
them round-robin. The nginx config of the proxy is DEPLOYING.md's, word for word (the block between
its `nginx.conf` markers), with the example's addresses replaced by this cluster's; this module
adds only what a process needs besides (its own pid file, logs and temporary folders, no daemon)
and, for the tests alone, an `X-Upstream` header naming the instance(s) nginx sent the request to.

Clients connect from an address of their own in 127.0.0.0/8 (`client_address()`), which nginx
passes on in X-Forwarded-For: with TRUSTED_PROXIES=127.0.0.1 (nginx's address towards the
instances) that is the client IP the instances see, so per-IP counters in the shared Redis belong
to one scenario, whatever else shares that Redis.
"""

import os
import pwd
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrastructure.settings import Settings
from tests.services import IN_CI

REPOSITORY = Path(__file__).resolve().parents[2]
DEPLOYING = REPOSITORY / "docs" / "DEPLOYING.md"
NGINX_BEGIN = "<!-- nginx.conf: begin -->"
NGINX_END = "<!-- nginx.conf: end -->"
# The example's addresses in DEPLOYING.md, replaced by the cluster's.
EXAMPLE_INSTANCES = ("10.0.0.11:8000", "10.0.0.12:8000", "10.0.0.13:8000")
EXAMPLE_LISTEN = "listen 80;"

TESSERA = [sys.executable, "-m", "interfaces.cli.main"]
# Every setting of the service: none is inherited from the environment of the test run.
SETTINGS_VARIABLES = frozenset(name.upper() for name in Settings.model_fields)
STARTUP_SECONDS = 30.0
PASSWORD = "correct horse battery staple"
LOGIN_MAX_FAILURES = 5
LOGIN_MAX_ATTEMPTS_PER_IP = 20
UPSTREAM_HEADER = "x-upstream"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client_address() -> str:
    """A loopback address of its own (Linux routes all of 127.0.0.0/8 to `lo`), never 127.0.0.1."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)


def http_client(base_url: str, address: str, **options: Any) -> httpx.Client:
    """A client whose connections come from `address`."""
    transport = httpx.HTTPTransport(local_address=address, retries=0)
    return httpx.Client(base_url=base_url, transport=transport, timeout=10.0, **options)


def stop_group(process: subprocess.Popen[bytes], first: signal.Signals = signal.SIGTERM) -> None:
    """End a process group (a supervisor and its workers, or nginx and its worker)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, first)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


@dataclass
class Instance:
    """One `tessera serve` process group on a port of its own, restartable."""

    name: str
    port: int
    workers: int
    workdir: Path
    settings: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_offset: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """As nginx names it in X-Upstream."""
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def client(self, address: str) -> httpx.Client:
        return http_client(self.url, address)

    def start(self, **changes: str) -> None:
        """Start it (with these settings changed from now on); `wait_ready` waits for it."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.settings.update(changes)
        env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
        env.update(self.settings)
        self.log_offset = self.log.stat().st_size if self.log.exists() else 0
        command = [*TESSERA, "serve", "--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended as one
            )

    def wait_ready(self) -> None:
        """Until /ready answers 200 and every worker has logged that its app started."""
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        with httpx.Client(base_url=self.url, timeout=2.0) as probe:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    pytest.fail(
                        f"{self.name} exited with {self.process.returncode}:\n{self.logs()}"
                    )
                started = self.logs(whole=True).count("Application startup complete")
                try:
                    if started >= self.workers and probe.get("/ready").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        pytest.fail(f"{self.name} did not come up in {STARTUP_SECONDS} s:\n{self.logs()}")

    def restart(self, **changes: str) -> None:
        self.stop()
        self.start(**changes)
        self.wait_ready()

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)

    def kill(self) -> None:
        """SIGKILL, to the whole process group: no shutdown, no draining, no goodbye."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def logs(self, *, whole: bool = False) -> str:
        """This run's log (the last 4000 characters, unless `whole`)."""
        with self.log.open("rb") as file:
            file.seek(self.log_offset)
            text = file.read().decode(errors="replace")
        return text if whole else text[-4000:]


@dataclass
class Cluster:
    instances: list[Instance]
    proxy_port: int
    workdir: Path
    nginx: subprocess.Popen[bytes] | None = None
    secret_key: str = field(default_factory=new_secret_key)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def client(self, address: str, **options: Any) -> httpx.Client:
        """A client of the proxy."""
        return http_client(self.proxy_url, address, **options)

    def by_address(self, upstream: str) -> list[Instance]:
        """The instances named by an X-Upstream header ("a:p" or, after retries, "a:p, b:q")."""
        named = {instance.address: instance for instance in self.instances}
        return [named[hop.strip()] for hop in upstream.split(",")]

    def answered(self, response: httpx.Response) -> Instance:
        """The instance whose answer nginx passed on (the last it tried)."""
        return self.by_address(response.headers[UPSTREAM_HEADER])[-1]

    def heal(self) -> None:
        """Every instance running with the cluster's key (a killed one restarted, and any left
        with another key by a rotation that failed half-way) and in nginx's rotation again:
        after a failed attempt nginx leaves an instance out for `fail_timeout`."""
        for instance in self.instances:
            if instance.settings["SECRET_KEY"] != self.secret_key:
                instance.stop()
            if instance.process is None or instance.process.poll() is not None:
                instance.start(SECRET_KEY=self.secret_key)
                instance.wait_ready()
        self.wait_in_rotation(*self.instances)

    def wait_in_rotation(self, *instances: Instance) -> None:
        """Until nginx has passed a request to each of them: after a failed attempt nginx leaves
        an instance out for `fail_timeout`, however soon it is back. A rolling restart waits for
        this before it stops the next instance, or the proxy may have none left to send to."""
        deadline = time.monotonic() + 2 * STARTUP_SECONDS
        waiting = {instance.name for instance in instances}
        with httpx.Client(base_url=self.proxy_url, timeout=5.0) as probe:
            while waiting:
                assert time.monotonic() < deadline, f"nginx sends nothing to {sorted(waiting)}"
                response = probe.get("/health")
                if response.status_code == 200 and self.answered(response).name in waiting:
                    waiting.discard(self.answered(response).name)
                else:
                    time.sleep(0.05)

    def nginx_error_log(self) -> str:
        path = self.workdir / "nginx" / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def stop_all(instances: list[Instance]) -> None:
    """SIGTERM to every instance at once, then wait for each (SIGKILL after 15 s)."""
    running = [i.process for i in instances if i.process is not None and i.process.poll() is None]
    for process in running:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in running:
        stop_group(process)


def nginx_binary() -> str:
    """Debian's nginx (`.ci/run` installs it): skipped locally without it, failed in CI."""
    found = shutil.which("nginx") or next(
        (str(path) for path in (Path("/usr/sbin/nginx"),) if path.exists()), None
    )
    if found is None:
        reason = "needs nginx (apt-get install nginx-light; .ci/run installs it)"
        if IN_CI:
            pytest.fail(reason, False)
        pytest.skip(reason)
    return found


def documented_nginx_config() -> str:
    """DEPLOYING.md's nginx config: the fenced block between the markers."""
    text = DEPLOYING.read_text()
    section = text.split(NGINX_BEGIN, 1)[1].split(NGINX_END, 1)[0]
    match = re.search(r"```nginx\n(.*?)```", section, re.DOTALL)
    assert match is not None, "no ```nginx block between DEPLOYING.md's nginx.conf markers"
    return match.group(1)


def render_nginx_config(instances: list[Instance], proxy_port: int) -> str:
    """DEPLOYING.md's config, with this cluster's instances and port for the example's."""
    config = documented_nginx_config()
    replacements = {
        **{
            example: instance.address
            for example, instance in zip(EXAMPLE_INSTANCES, instances, strict=True)
        },
        EXAMPLE_LISTEN: f"listen 127.0.0.1:{proxy_port};",
    }
    for example, actual in replacements.items():
        assert config.count(example) == 1, f"DEPLOYING.md's nginx config: {example!r} once"
        config = config.replace(example, actual)
    return config


def nginx_main_config(workdir: Path, site: Path) -> str:
    """What the distribution's /etc/nginx/nginx.conf provides, here in the test's folder; the
    site config (DEPLOYING.md's) is included in its http block."""
    # As root, nginx's workers would switch to `nobody`, who cannot enter pytest's folders.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    temp = {name: workdir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir(exist_ok=True)
    return f"""
{user}
daemon off;
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} info;
events {{ worker_connections 512; }}
http {{
    log_format upstream '$remote_addr "$request" $status upstream=$upstream_addr '
                        'upstream_status=$upstream_status $request_time';
    access_log {workdir / "access.log"} upstream;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    # Tests only: which instance(s) nginx sent the request to (never expose this in production).
    add_header X-Upstream $upstream_addr always;
    include {site};
}}
"""


@contextmanager
def nginx_running(instances: list[Instance], proxy_port: int, workdir: Path) -> Iterator[Any]:
    binary = nginx_binary()
    folder = workdir / "nginx"
    folder.mkdir(exist_ok=True)
    site = folder / "tessera.conf"
    site.write_text(render_nginx_config(instances, proxy_port))
    main = folder / "nginx.conf"
    main.write_text(nginx_main_config(folder, site))
    command = [binary, "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")]
    check = subprocess.run([*command, "-t"], check=False, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    with (folder / "nginx.out").open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        with httpx.Client(base_url=f"http://127.0.0.1:{proxy_port}", timeout=2.0) as probe:
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "error.log").read_text(errors="replace")[-4000:]
                    pytest.fail(f"nginx did not come up:\n{log}")
                try:
                    if probe.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        yield process
    finally:
        stop_group(process, signal.SIGQUIT)  # graceful: let requests in flight finish


def migrate(settings: dict[str, str], workdir: Path) -> None:
    """`tessera db upgrade`, once, before any instance starts (they run with AUTO_MIGRATE=false)."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(settings)
    done = subprocess.run(
        [*TESSERA, "db", "upgrade"],
        check=False,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@contextmanager
def cluster_running(
    workdir: Path, database_url: str, redis_url: str, workers: tuple[int, ...] = (2, 1, 1)
) -> Iterator[Cluster]:
    """Instances (one per entry of `workers`, the number of its worker processes) migrated,
    started together and ready, then nginx in front of them; all stopped afterwards."""
    proxy_port = free_port()
    cluster = Cluster(instances=[], proxy_port=proxy_port, workdir=workdir)
    shared = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": cluster.secret_key,  # one key for every instance
        "DATABASE_URL": database_url,
        "AUTO_MIGRATE": "false",
        "REDIS_URL": redis_url,
        # nginx's address as the instances see it: its X-Forwarded-For is believed.
        "TRUSTED_PROXIES": "127.0.0.1",
        "PUBLIC_BASE_URL": cluster.proxy_url,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "ARGON2_PARALLELISM": "1",
        "LOGIN_MAX_FAILURES": str(LOGIN_MAX_FAILURES),
        "LOGIN_MAX_ATTEMPTS_PER_IP_PER_MINUTE": str(LOGIN_MAX_ATTEMPTS_PER_IP),
    }
    migrate(shared, workdir)
    for number, count in enumerate(workers, start=1):
        cluster.instances.append(
            Instance(f"tessera-{number}", free_port(), count, workdir, dict(shared))
        )
    with ExitStack() as stack:
        stack.callback(stop_all, cluster.instances)
        for instance in cluster.instances:
            instance.start()
        with ThreadPoolExecutor(len(cluster.instances)) as waiting:
            list(waiting.map(lambda instance: instance.wait_ready(), cluster.instances))
        cluster.nginx = stack.enter_context(nginx_running(cluster.instances, proxy_port, workdir))
        yield cluster
