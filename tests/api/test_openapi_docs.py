"""Every operation in /openapi.json says what it does, in the words of the use case it runs."""

import inspect
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from application.use_cases.account.change_password import ChangePassword
from application.use_cases.posts.list_posts import ListPublishedPosts
from infrastructure.container import build_container
from infrastructure.settings import Settings
from interfaces.http.app import create_app


@pytest.fixture(scope="module")
def app_and_document() -> tuple[Any, dict[str, Any]]:
    # The document needs no database: the memory store, and no lifespan (no `with`).
    settings = Settings(_env_file=None, environment="test", database_url="memory://")
    app = create_app(build_container(settings))
    return app, TestClient(app).get("/openapi.json").json()


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_every_operation_has_a_summary_and_a_description_of_its_own(
    app_and_document: tuple[Any, dict[str, Any]],
) -> None:
    app, document = app_and_document
    # What FastAPI makes up from the function's name when a route gives no summary.
    generated = {
        route.name.replace("_", " ").title() for route in app.routes if isinstance(route, APIRoute)
    }
    found = operations(document)
    assert len(found) >= 40
    for name, operation in found.items():
        summary = operation.get("summary", "")
        assert summary.strip(), f"{name} has no summary"
        assert summary not in generated, f"{name}'s summary is its function's name"
        assert "\n" not in summary, f"{name}'s summary is more than one line"
        assert operation.get("description", "").strip(), f"{name} has no description"


def test_an_operation_is_described_by_its_use_cases_docstring(
    app_and_document: tuple[Any, dict[str, Any]],
) -> None:
    change_password = operations(app_and_document[1])["PATCH /users/me/password"]
    docstring = inspect.getdoc(ChangePassword)
    assert docstring is not None
    assert change_password["description"] == docstring
    assert change_password["summary"] == docstring.splitlines()[0]


def test_what_only_http_knows_is_added_after_the_use_cases_docstring(
    app_and_document: tuple[Any, dict[str, Any]],
) -> None:
    description = operations(app_and_document[1])["GET /posts"]["description"]
    docstring = inspect.getdoc(ListPublishedPosts)
    assert docstring is not None
    assert description.startswith(docstring)
    assert "bearer token" in description.removeprefix(docstring)
