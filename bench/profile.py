"""Where one kind of request spends its time: pyinstrument over many in-process calls.

    .venv/bin/python -m bench.profile /tasks limit=20 [--postgres URL] [--calls 3000]

The same setup as `bench.inprocess` (a caller with 1 000 tasks, production logging to nowhere),
then the request is sent sequentially through the ASGI app while pyinstrument samples the stack.
Prints the call tree, parts under 1 % of the time left out.
"""

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from contextlib import ExitStack, redirect_stdout
from pathlib import Path

from pyinstrument import Profiler

from application.use_cases.auth.login import LoginCommand
from application.use_cases.auth.register_user import RegisterUserCommand
from bench import seed
from bench.inprocess import call, environment
from bench.run import scratch_postgres_database
from infrastructure.container import build_container
from infrastructure.logging import configure_logging
from interfaces.http.app import create_app


async def profile(path: str, query: str, calls: int) -> str:
    configure_logging(json_lines=True)
    with open(os.devnull, "w") as devnull:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(devnull)
        container = build_container()
        container.migrator().upgrade()
        app = create_app(container)
        with redirect_stdout(devnull):
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
        for _ in range(100):
            await call(app, "GET", path, query=query, token=token)
        profiler = Profiler(interval=0.0001, async_mode="enabled")
        with profiler:
            for _ in range(calls):
                await call(app, "GET", path, query=query, token=token)
        container.shutdown_resources()
    return profiler.output_text(unicode=True, show_all=False, time="percent_of_total")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="e.g. /tasks")
    parser.add_argument("query", nargs="?", default="", help="e.g. limit=20")
    parser.add_argument("--postgres", metavar="URL", help="use a scratch database on this server")
    parser.add_argument("--calls", type=int, default=3000)
    options = parser.parse_args(argv)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tessera-bench-")))
        if options.postgres:
            database_url = stack.enter_context(scratch_postgres_database(options.postgres))
        else:
            database_url = f"sqlite:///{workdir / 'bench.db'}"
        stack.enter_context(environment(database_url, workdir))
        print(asyncio.run(profile(options.path, options.query, options.calls)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
