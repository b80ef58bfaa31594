"""Where one kind of request spends its time: pyinstrument over many in-process calls.

    .venv/bin/python -m bench.profile /tasks limit=20 [--postgres URL] [--calls 3000]

The same setup as `bench.inprocess` (a caller with 1 000 tasks, production logging to nowhere),
then the request is sent sequentially through the ASGI app while pyinstrument samples the stack.
Prints the call tree, parts under 1 % of the time left out.
"""

import argparse
import asyncio
import sys

from pyinstrument import Profiler

from bench.inprocess import call, scratch_environment, seeded_app


async def profile(path: str, query: str, calls: int) -> str:
    with seeded_app() as seeded:
        for _ in range(100):
            await call(seeded.app, "GET", path, query=query, token=seeded.token)
        profiler = Profiler(interval=0.0001, async_mode="enabled")
        with profiler:
            for _ in range(calls):
                await call(seeded.app, "GET", path, query=query, token=seeded.token)
    return profiler.output_text(unicode=True, show_all=False, time="percent_of_total")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="e.g. /tasks")
    parser.add_argument("query", nargs="?", default="", help="e.g. limit=20")
    parser.add_argument("--postgres", metavar="URL", help="use a scratch database on this server")
    parser.add_argument("--calls", type=int, default=3000)
    options = parser.parse_args(argv)
    with scratch_environment(options.postgres):
        print(asyncio.run(profile(options.path, options.query, options.calls)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
