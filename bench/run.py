"""Load benchmark: Tessera under wrk, beside a bare FastAPI app measured in the same run.

    .venv/bin/python -m bench.run                                   # SQLite, about 2 minutes
    .venv/bin/python -m bench.run --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.run --postgres ... --write docs/BENCHMARKS.md
    .venv/bin/python -m bench.run --fastapi-users                   # and fastapi-users' example app

It installs nothing: wrk must be on the PATH (Debian/Ubuntu: `sudo apt-get install wrk`). For each
database it starts `tessera serve` (1 worker, uvloop and httptools through uvicorn[standard]) and the
ceiling app on free ports of 127.0.0.1, seeds accounts through the API and task rows in bulk, runs
the scenarios, and stops both servers; every process it starts is stopped when it ends or fails.
With --postgres it creates a database of its own on that server (`tessera_bench_<pid>`) and drops
it afterwards; nothing else there is touched.

Throughput scenarios alternate with rounds of the ceiling app, so each ratio compares figures
taken minutes apart at most, under the same machine load. Figures are medians over the rounds.

With --fastapi-users the SQLite run also measures fastapi-users' documented SQLAlchemy example
(bench/fastapi_users_app.py) in its rounds: it is installed from PyPI in a throwaway virtual
environment of the run's temporary folder (about 20 s), never in the project's.
"""

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import argon2
import sqlalchemy as sa

from bench import seed, servers, wrk
from bench.report import Row, render, write_report

CALLER_TASKS_SMALL = 1_000
CALLER_TASKS_LARGE = 100_000
TOTAL_TASKS_LARGE = 1_000_000
OTHER_OWNERS = 9  # with the caller: 10 owners of 100 000 tasks each
DEEP_PAGE = 500
PUBLISHED_POSTS = 1_000
FASTAPI_USERS_EMAIL = "caller@example.com"


@dataclass
class Run:
    """Options and figures of one database's run."""

    database: str
    seconds: float
    rounds: int
    rows: list[Row] = field(default_factory=list)
    ceiling: list[float] = field(default_factory=list)

    def ceiling_rate(self) -> float:
        return statistics.median(self.ceiling)

    def add(self, name: str, results: list[wrk.Result], *, ratio: bool = True) -> Row:
        rate = statistics.median(result.per_second for result in results)
        row = Row(
            scenario=name,
            per_second=rate,
            p50_ms=statistics.median(result.p50_ms for result in results),
            p99_ms=statistics.median(result.p99_ms for result in results),
            errors=sum(result.non_2xx + result.socket_errors for result in results),
            ratio=rate / self.ceiling_rate() if ratio and self.ceiling else None,
        )
        self.rows.append(row)
        print(
            f"  {row.scenario:<56} {row.per_second:8.0f}/s  p50 {row.p50_ms:7.1f} ms  "
            f"p99 {row.p99_ms:7.1f} ms  errors {row.errors}",
            flush=True,
        )
        return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--seconds", type=float, default=4, help="length of one round (4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per throughput scenario (3)")
    parser.add_argument("--write", metavar="FILE", type=Path, help="write the report here")
    parser.add_argument(
        "--fastapi-users",
        action="store_true",
        help="also measure fastapi-users' SQLAlchemy example beside SQLite's rows (installs it "
        "from PyPI in a throwaway virtual environment)",
    )
    options = parser.parse_args(argv)
    if options.fastapi_users and options.skip_sqlite:
        parser.error("--fastapi-users is measured in the SQLite run: drop --skip-sqlite")
    wrk.require_wrk()

    started = time.monotonic()
    runs: list[Run] = []
    if not options.skip_sqlite:
        runs.append(
            bench_database(
                "sqlite",
                None,
                options.seconds,
                options.rounds,
                with_fastapi_users=options.fastapi_users,
            )
        )
    if options.postgres:
        runs.append(bench_database("postgresql", options.postgres, options.seconds, options.rounds))
    report = render(
        runs=[(run.database, run.rows) for run in runs],
        machine=describe_machine(),
        command=" ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
        when=datetime.now(UTC),
        minutes=(time.monotonic() - started) / 60,
    )
    print(report)
    if options.write:
        write_report(options.write, report)
        print(f"written to {options.write}")
    return 0


def bench_database(
    kind: str,
    postgres_url: str | None,
    seconds: float,
    rounds: int,
    *,
    with_fastapi_users: bool = False,
) -> Run:
    run = Run(kind, seconds, rounds)
    print(f"{kind}:", flush=True)
    with ExitStack() as stack:
        workdir, database_url = stack.enter_context(scratch_database(postgres_url))
        environment = {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": database_url,
            "AUTO_MIGRATE": "true",
            # One client IP sends every login here; the per-IP limit would refuse most of them.
            "LOGIN_MAX_ATTEMPTS_PER_IP_PER_MINUTE": "100000000",
        }
        competitor = start_fastapi_users(stack, workdir) if with_fastapi_users else None
        api = stack.enter_context(
            servers.tessera(servers.free_port(), environment, workdir, workdir / "tessera.log")
        )
        ceiling = stack.enter_context(
            servers.ceiling(servers.free_port(), workdir, workdir / "ceiling.log")
        )
        engine = sa.create_engine(database_url)
        stack.callback(engine.dispose)

        caller = seed.register(api.base_url, "caller")
        others = [seed.register(api.base_url, f"owner{n}") for n in range(OTHER_OWNERS)]
        seed.add_tasks(engine, caller.id, 1, CALLER_TASKS_SMALL)
        seed.add_posts(engine, caller.id, PUBLISHED_POSTS)
        seed.analyze(engine)

        me = wrk.Request("/users/me", bearer=caller.access_token)
        tasks_page = wrk.Request("/tasks?limit=20", bearer=caller.access_token)
        feed_page = wrk.Request("/posts?limit=20")  # the public feed: anonymous
        ceiling_request = wrk.Request("/ceiling")

        targets = [(api, me), (api, tasks_page), (api, feed_page)]
        if competitor is not None:
            competitor_me = wrk.Request("/users/me", bearer=fastapi_users_token(competitor))
            targets.append((competitor, competitor_me))
        results = alternate(run, ceiling, ceiling_request, targets, 32)
        run.add("GET /users/me (32 clients)", results[0])
        small = run.add("GET /tasks?limit=20, 1 000 tasks (32 clients)", results[1])
        run.add("GET /posts?limit=20, 1 000 published posts (32 clients)", results[2])
        if competitor is not None:
            run.add(
                "fastapi-users GET /users/me (32 clients)", results[3]
            ).note = f"fastapi-users {servers.FASTAPI_USERS_VERSION}'s example: JWT, aiosqlite"

        login_scenarios(run, api, me)
        run.rows.append(Row.figure("peak RSS of the server (MiB)", api.peak_rss_mib()))
        if competitor is not None:
            fastapi_users_login_storm(run, competitor, competitor_me)

        print(f"  seeding {TOTAL_TASKS_LARGE:,} tasks ...", flush=True)
        seed.add_tasks(
            engine, caller.id, CALLER_TASKS_SMALL + 1, CALLER_TASKS_LARGE - CALLER_TASKS_SMALL
        )
        for n, owner in enumerate(others):
            first = CALLER_TASKS_LARGE + n * CALLER_TASKS_LARGE + 1
            seed.add_tasks(engine, owner.id, first, CALLER_TASKS_LARGE)
        seed.analyze(engine)
        deep_cursor = seed.cursor_of_page(api.base_url, caller.access_token, DEEP_PAGE)
        deep_page = wrk.Request(
            f"/tasks?limit=20&cursor={quote(deep_cursor)}", bearer=caller.access_token
        )
        results = alternate(
            run, ceiling, ceiling_request, [(api, tasks_page), (api, deep_page)], 32
        )
        first_page = run.add("GET /tasks page 1, 1 000 000 rows (32 clients)", results[0])
        run.add(f"GET /tasks page {DEEP_PAGE}, 1 000 000 rows (32 clients)", results[1])
        first_page.note = (
            f"{small.per_second / first_page.per_second:.2f}x the time per request of 1 000 rows"
        )
        run.rows.insert(0, Row.ceiling(statistics.median(run.ceiling)))
    return run


def login_scenarios(run: Run, api: servers.Server, me: wrk.Request) -> None:
    """Logins alone, then a login storm with /users/me beside it (and /users/me alone first)."""
    seconds = run.seconds
    run.add("GET /users/me, 4 clients, idle", [wrk.run(api.base_url, me, 4, seconds)], ratio=False)
    login = wrk.Request(
        "/auth/login",
        method="POST",
        body=f'{{"username": "caller", "password": "{seed.PASSWORD}"}}',
    )
    # Argon2's speed drifts with the machine's load and clock: measured just around the login.
    verify_before = argon2_verify_timings()
    login_alone = wrk.run(api.base_url, login, 1, 2 * seconds)
    verify_ms = statistics.median(verify_before + argon2_verify_timings())
    run.add("POST /auth/login, 1 client", [login_alone], ratio=False)
    run.rows.append(Row.figure("Argon2 verify alone, in the bench process (ms)", verify_ms))
    storm = wrk.start(api.base_url, login, 8, 2 * seconds)
    try:
        during = wrk.run(api.base_url, me, 4, 2 * seconds)
    finally:
        storm_result = wrk.finish(storm)  # waited for even on failure: nothing is left running
    run.add("POST /auth/login, 8 clients", [storm_result], ratio=False)
    run.add("GET /users/me, 4 clients, while 8 log in", [during], ratio=False)


def start_fastapi_users(stack: ExitStack, workdir: Path) -> servers.Server:
    """fastapi-users' example app, installed in a throwaway environment of `workdir` and
    started on SQLite; `stack` stops it."""
    print("  installing fastapi-users in a throwaway virtual environment ...", flush=True)
    python = servers.fastapi_users_environment(
        workdir / "fastapi-users-venv", workdir / "fastapi-users-pip.log"
    )
    environment = {
        "FASTAPI_USERS_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'fastapi-users.db'}",
        "FASTAPI_USERS_SECRET": secrets.token_urlsafe(32),
    }
    return stack.enter_context(
        servers.fastapi_users(
            python, servers.free_port(), environment, workdir, workdir / "fastapi-users.log"
        )
    )


def fastapi_users_token(server: servers.Server) -> str:
    """Register the caller on fastapi-users' example app and log in (a form body, as OAuth2's
    password flow has it); its bearer token."""
    seed.call(
        server.base_url,
        "POST",
        "/auth/register",
        {"email": FASTAPI_USERS_EMAIL, "password": seed.PASSWORD},
    )
    form = urlencode({"username": FASTAPI_USERS_EMAIL, "password": seed.PASSWORD}).encode()
    request = urllib.request.Request(
        server.base_url + "/auth/jwt/login",
        data=form,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        token: str = json.loads(response.read())["access_token"]
    return token


def fastapi_users_login_storm(run: Run, server: servers.Server, me: wrk.Request) -> None:
    """fastapi-users' /users/me at 4 clients while 8 others log in, as Tessera's storm."""
    login = wrk.Request(
        "/auth/jwt/login",
        method="POST",
        body=urlencode({"username": FASTAPI_USERS_EMAIL, "password": seed.PASSWORD}),
        content_type="application/x-www-form-urlencoded",
    )
    storm = wrk.start(server.base_url, login, 8, 2 * run.seconds)
    try:
        during = wrk.run(server.base_url, me, 4, 2 * run.seconds)
    finally:
        storm_result = wrk.finish(storm)  # waited for even on failure: nothing is left running
    run.add("fastapi-users POST /auth/jwt/login, 8 clients", [storm_result], ratio=False)
    run.add("fastapi-users GET /users/me, 4 clients, while 8 log in", [during], ratio=False)


def alternate(
    run: Run,
    ceiling: servers.Server,
    ceiling_request: wrk.Request,
    targets: list[tuple[servers.Server, wrk.Request]],
    connections: int,
) -> list[list[wrk.Result]]:
    """Rounds of ceiling, then each (server, request) in turn; the ceiling's figures go to
    `run.ceiling`."""
    results: list[list[wrk.Result]] = [[] for _ in targets]
    for _ in range(run.rounds):
        top = wrk.run(ceiling.base_url, ceiling_request, connections, run.seconds)
        run.ceiling.append(top.per_second)
        for index, (server, request) in enumerate(targets):
            results[index].append(wrk.run(server.base_url, request, connections, run.seconds))
    return results


@contextmanager
def scratch_database(postgres_url: str | None) -> Iterator[tuple[Path, str]]:
    """A temporary folder, and the URL of a database of its own: SQLite in that folder, or a
    scratch database on the server at `postgres_url`."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tessera-bench-")))
        if postgres_url:
            yield workdir, stack.enter_context(scratch_postgres_database(postgres_url))
        else:
            yield workdir, f"sqlite:///{workdir / 'bench.db'}"


@contextmanager
def scratch_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server at `server_url`, dropped afterwards."""
    name = f"tessera_bench_{os.getpid()}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def argon2_verify_timings(samples: int = 7) -> list[float]:
    """Milliseconds of single verifies with Tessera's default parameters, in this process."""
    hasher = argon2.PasswordHasher()  # argon2-cffi's defaults are Tessera's: t=3, m=64 MiB, p=4
    password_hash = hasher.hash(seed.PASSWORD)
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        hasher.verify(password_hash, seed.PASSWORD)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def describe_machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    wrk_version = subprocess.run(
        [wrk.require_wrk(), "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[0]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, {wrk_version.split(' [')[0]}"
    )


if __name__ == "__main__":
    sys.exit(main())
