"""Where the time of one request goes: the app called in-process, with no sockets and no load.

    .venv/bin/python -m bench.inprocess              # SQLite in a temporary folder
    .venv/bin/python -m bench.inprocess --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.inprocess --metrics    # what METRICS_ENABLED costs a request

Each figure is the best of 7 batches of 500 sequential calls, in microseconds: whole requests
through the ASGI app (middleware, routing, dependencies, serialization, worker-thread hops), and
the use cases alone, called directly. The difference between the two is what the web layer costs;
the bare FastAPI app of bench/ceiling_app.py gives the framework's own floor.

With --metrics: the same requests through two apps on one database, metrics off and on, their
batches interleaved (best of 15 each), so that the difference is what counting a request costs.
"""

import argparse
import asyncio
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from dependency_injector import providers
from fastapi import FastAPI
from starlette.types import ASGIApp, Message

from application.ports.tokens import AccessTokenClaims
from application.use_cases.auth.authenticate_access_token import (
    AuthenticateAccessToken,
    AuthenticatedCaller,
)
from application.use_cases.auth.login import LoginCommand
from application.use_cases.auth.register_user import RegisterUserCommand
from application.use_cases.posts.list_posts import ListPublishedPostsQuery
from application.use_cases.tasks.list_tasks import ListTasksQuery
from bench import ceiling_app, seed
from bench.run import scratch_database
from domain.users import User
from infrastructure.container import Container, build_container
from infrastructure.logging import configure_logging
from interfaces.http.app import create_app

BATCHES = 7
CALLS = 500


async def call(
    app: ASGIApp, method: str, path: str, query: str = "", token: str = "", body: Any = None
) -> tuple[int, Any]:
    """One request through the ASGI interface, as uvicorn would make it."""
    data = b"" if body is None else json.dumps(body).encode()
    headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if body is not None:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    request_sent = False
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> Message:
        nonlocal request_sent
        if request_sent:
            await asyncio.Event().wait()  # no disconnect while the app works
        request_sent = True
        return {"type": "http.request", "body": data, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], json.loads(answer["body"] or b"null")


async def best_microseconds(action: Callable[[], Awaitable[object]]) -> float:
    for _ in range(50):  # warm caches: compiled statements, verified tokens, pooled connections
        await action()
    batches = []
    for _ in range(BATCHES):
        started = time.perf_counter()
        for _ in range(CALLS):
            await action()
        batches.append((time.perf_counter() - started) / CALLS)
    return min(batches) * 1e6


@contextmanager
def environment(database_url: str, workdir: Path) -> Iterator[None]:
    values = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "LOGIN_MAX_ATTEMPTS_PER_IP_PER_MINUTE": "100000000",
    }
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    cwd = Path.cwd()
    os.chdir(workdir)  # no .env of the checkout
    try:
        yield
    finally:
        os.chdir(cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def scratch_environment(postgres_url: str | None) -> Iterator[None]:
    """A temporary folder as the working directory and the environment of a production instance
    over a database of its own: SQLite in that folder, or a scratch database on `postgres_url`."""
    with (
        scratch_database(postgres_url) as (workdir, database_url),
        environment(database_url, workdir),
    ):
        yield


@dataclass(frozen=True)
class Seeded:
    container: Container
    app: FastAPI
    user: User
    token: str


@contextmanager
def seeded_app() -> Iterator[Seeded]:
    """A migrated database of the environment's DATABASE_URL where a caller owns 1 000 tasks and
    1 000 published posts, the app over it, and production logging formatted and written, unseen."""
    configure_logging(json_lines=True)
    with open(os.devnull, "w") as devnull:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(devnull)
        container = build_container()
        container.migrator().upgrade()
        with redirect_stdout(devnull):  # the console email sender prints the verification mail
            user = container.register_user().execute(
                RegisterUserCommand(
                    username="caller", email="caller@example.com", password=seed.PASSWORD
                )
            )
        token = (
            container.login()
            .execute(LoginCommand(login="caller", password=seed.PASSWORD))
            .access_token
        )
        seed.add_tasks(container.engine(), user.id, 1, 1000)
        seed.add_posts(container.engine(), user.id, 1000)
        try:
            yield Seeded(container, create_app(container), user, token)
        finally:
            container.shutdown_resources()


async def measure() -> list[tuple[str, float]]:
    with seeded_app() as seeded:
        container, app, user, token = seeded.container, seeded.app, seeded.user, seeded.token
        authenticate = container.authenticate_access_token()
        list_tasks = container.list_tasks()
        list_posts = container.list_published_posts()
        figures = [
            (
                "bare FastAPI GET (bench/ceiling_app.py)",
                await best_microseconds(lambda: call(ceiling_app.app, "GET", "/ceiling")),
            ),
            (
                "GET /health (middleware, routing past every other route)",
                await best_microseconds(lambda: call(app, "GET", "/health")),
            ),
            (
                "GET /users/me",
                await best_microseconds(lambda: call(app, "GET", "/users/me", token=token)),
            ),
            (
                "  AuthenticateAccessToken alone",
                await best_microseconds(lambda: _sync(lambda: authenticate.execute(token))),
            ),
            (
                "GET /tasks?limit=20",
                await best_microseconds(
                    lambda: call(app, "GET", "/tasks", query="limit=20", token=token)
                ),
            ),
            (
                "  ListTasks alone (20 of 1 000)",
                await best_microseconds(
                    lambda: _sync(lambda: list_tasks.execute(ListTasksQuery(actor=user, limit=20)))
                ),
            ),
            (
                "GET /posts?limit=20 (anonymous, 1 000 published)",
                await best_microseconds(lambda: call(app, "GET", "/posts", query="limit=20")),
            ),
            (
                "  ListPublishedPosts alone",
                await best_microseconds(
                    lambda: _sync(lambda: list_posts.execute(ListPublishedPostsQuery(limit=20)))
                ),
            ),
        ]
        figures += await framework_share(container, token, user)
    return figures


class _RememberedCaller:
    """AuthenticateAccessToken's answers for one token, from memory."""

    def __init__(self, real: AuthenticateAccessToken, token: str) -> None:
        self.claims = real.verified(token)
        self.caller = real.identify(token)

    def verified(self, _token: str) -> AccessTokenClaims:
        return self.claims

    def identify_verified(self, _claims: AccessTokenClaims) -> AuthenticatedCaller:
        return self.caller

    def execute(self, _token: str) -> User:
        return self.caller.user


class _RememberedPage:
    """A list use case's page, from memory."""

    def __init__(self, page: object) -> None:
        self.page = page

    def execute(self, _query: object) -> object:
        return self.page


async def framework_share(container: Container, token: str, user: User) -> list[tuple[str, float]]:
    """What is left of a request without our middleware, then also without the use cases'
    work (they answer from memory): the web framework's own share."""
    bare = create_app(container)
    bare.user_middleware = []  # before its first call, which builds the middleware stack
    figures = [
        (
            "GET /users/me, middleware left out",
            await best_microseconds(lambda: call(bare, "GET", "/users/me", token=token)),
        ),
        (
            "GET /tasks?limit=20, middleware left out",
            await best_microseconds(
                lambda: call(bare, "GET", "/tasks", query="limit=20", token=token)
            ),
        ),
    ]
    page = container.list_tasks().execute(ListTasksQuery(actor=user, limit=20))
    remembered = _RememberedCaller(container.authenticate_access_token(), token)
    container.authenticate_access_token.override(providers.Object(remembered))
    container.list_tasks.override(providers.Object(_RememberedPage(page)))
    try:
        figures += [
            (
                "GET /users/me, and the token check answered from memory",
                await best_microseconds(lambda: call(bare, "GET", "/users/me", token=token)),
            ),
            (
                "GET /tasks?limit=20, and both use cases answered from memory",
                await best_microseconds(
                    lambda: call(bare, "GET", "/tasks", query="limit=20", token=token)
                ),
            ),
        ]
    finally:
        container.authenticate_access_token.reset_override()
        container.list_tasks.reset_override()
    return figures


async def _sync(function: Callable[[], object]) -> object:
    return function()


METRICS_BATCHES = 15


async def best_of_each(actions: dict[str, Callable[[], Awaitable[object]]]) -> dict[str, float]:
    """The best batch of each action, in microseconds per call, the batches interleaved (a, b, a,
    b, …) so that whatever else the machine does meanwhile weighs on each alike."""
    for action in actions.values():
        for _ in range(50):
            await action()
    best = dict.fromkeys(actions, float("inf"))
    for _ in range(METRICS_BATCHES):
        for name, action in actions.items():
            started = time.perf_counter()
            for _ in range(CALLS):
                await action()
            best[name] = min(best[name], (time.perf_counter() - started) / CALLS)
    return {name: seconds * 1e6 for name, seconds in best.items()}


async def measure_metrics() -> list[tuple[str, float]]:
    """GET /health and GET /users/me through an app with metrics off and one with them on."""
    configure_logging(json_lines=True)
    with open(os.devnull, "w") as devnull:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(devnull)
        off = build_container()
        off.migrator().upgrade()
        os.environ["METRICS_ENABLED"] = "true"
        try:
            on = build_container()
            apps = {"off": create_app(off), "on": create_app(on)}
        finally:
            del os.environ["METRICS_ENABLED"]
        with redirect_stdout(devnull):
            off.register_user().execute(
                RegisterUserCommand(
                    username="caller", email="caller@example.com", password=seed.PASSWORD
                )
            )
        token = off.login().execute(LoginCommand(login="caller", password=seed.PASSWORD))
        access = token.access_token
        figures = []
        for label, method, path, bearer in (
            ("GET /health", "GET", "/health", ""),
            ("GET /users/me", "GET", "/users/me", access),
        ):
            best = await best_of_each(
                {
                    state: partial(call, app, method, path, token=bearer)
                    for state, app in apps.items()
                }
            )
            figures += [(f"{label}, metrics {state}", best[state]) for state in apps]
            figures.append((f"{label}: what metrics add", best["on"] - best["off"]))
        off.shutdown_resources()
        on.shutdown_resources()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="use a scratch database on this server")
    parser.add_argument(
        "--metrics", action="store_true", help="compare a request with metrics off and on"
    )
    options = parser.parse_args(argv)
    with scratch_environment(options.postgres):
        figures = asyncio.run(measure_metrics() if options.metrics else measure())
    print("| per request, sequential, in-process | microseconds |")
    print("|---|--:|")
    for name, microseconds in figures:
        print(f"| {name} | {microseconds:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
