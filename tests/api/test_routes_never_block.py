"""Routes are `async def`: none of them may call a use case on the event loop by itself.

A use case touches the database (or hashes a password), so a route hands it to a worker thread,
`await run_in_threadpool(use_case.execute, command)`, to the password pool,
`await work.run(lambda: use_case.execute(command))`, or, for a read, to `run_read`, which keeps
on the loop only a bounded read of a database in this process. A plain
`use_case.execute(command)` in a route would run it on the event loop and stall every other
request; this reads the routers' source and refuses one.
"""

import ast
import asyncio
import inspect
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from interfaces.http import routers
from interfaces.http.app import create_app
from tests.api.conftest import Api, bearer, make_settings

ROUTERS = sorted(Path(routers.__file__).parent.glob("*.py"))


def direct_use_case_calls(source: str) -> list[int]:
    """Line numbers of `something.execute(...)` calls that are not inside a lambda."""
    tree = ast.parse(source)
    in_lambda = {
        id(node) for lam in ast.walk(tree) if isinstance(lam, ast.Lambda) for node in ast.walk(lam)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "execute"
        and id(node) not in in_lambda
    ]


@pytest.mark.parametrize("router", ROUTERS, ids=lambda path: path.name)
def test_no_router_calls_a_use_case_on_the_event_loop(router: Path) -> None:
    assert direct_use_case_calls(router.read_text()) == []


def test_the_check_catches_a_direct_call() -> None:
    source = "async def route(x):\n    return x.execute(1)\n\nasync def fine(w, x):\n    await w.run(lambda: x.execute(1))\n"
    assert direct_use_case_calls(source) == [2]


def test_every_route_is_async(tmp_path: Path) -> None:
    """A plain `def` route would run in a thread with its response validated in another hop."""
    app = create_app(build_container(make_settings(tmp_path, database_url="memory://")))
    sync_routes = [
        route.path
        for route in app.routes
        if isinstance(route, APIRoute) and not inspect.iscoroutinefunction(route.endpoint)
    ]
    assert sync_routes == []


class WhereItRan:
    """A use case that notes, for each call, whether it ran on the event loop's thread."""

    def __init__(self, use_case: Any) -> None:
        self.use_case = use_case
        self.on_the_loop: list[bool] = []

    def execute(self, query: Any) -> Any:
        try:
            asyncio.get_running_loop()
            self.on_the_loop.append(True)
        except RuntimeError:  # no loop runs in a worker thread
            self.on_the_loop.append(False)
        return self.use_case.execute(query)


def test_on_sqlite_a_plain_page_is_read_on_the_loop_and_a_filtered_one_in_a_thread(
    tmp_path: Path,
) -> None:
    """A page walked along its index stops after `limit` rows: cheaper than the hop to a
    thread. A search or a filter may walk past many rows, so it never holds the loop."""
    container = build_container(make_settings(tmp_path))
    where = WhereItRan(container.list_tasks())
    container.list_tasks.override(providers.Object(where))
    with TestClient(create_app(container)) as client:
        headers = bearer(Api(client).registered_token("alice"))
        for query in ("", "?limit=5", "?search=milk", "?completed=true", "?priority=high"):
            assert client.get(f"/tasks{query}", headers=headers).status_code == 200
    assert where.on_the_loop == [True, True, False, False, False]
