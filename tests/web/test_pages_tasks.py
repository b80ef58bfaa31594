"""The /app/tasks pages over HTTP, on the memory store: what each form and filter becomes (a
command, a 422 with the message by its field, a 404 page), fast.

The browser tests (tests/browser/test_pages_tasks.py) walk the same pages in Chromium.
"""

import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.ports.unit_of_work import UnitOfWork
from application.use_cases.tasks.create_task import CreateTaskCommand
from application.use_cases.tasks.get_task import TaskReference
from domain.tasks import Priority, Task
from domain.users import User
from infrastructure.container import Container, build_container
from interfaces.http.app import create_app
from tests.api.conftest import make_settings
from tests.web.conftest import form_token, log_in, register


@pytest.fixture
def memory_container(tmp_path: Path) -> Container:
    return build_container(make_settings(tmp_path, database_url="memory://"))


@pytest.fixture
def web(memory_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(memory_container), follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, username: str) -> str:
    """Register and log in through the pages; the CSRF token for the forms that follow."""
    register(client, username)
    log_in(client, username)
    return form_token(client, "/app/tasks")


def user_named(container: Container, username: str) -> User:
    unit_of_work: UnitOfWork = container.uow()
    with unit_of_work.read_only() as uow:
        user = uow.users.get_by_username(username)
    assert user is not None
    return user


def add_task(container: Container, username: str, title: str, **fields: Any) -> uuid.UUID:
    owner = user_named(container, username)
    command = CreateTaskCommand(actor=owner, title=title, **fields)
    return container.create_task().execute(command).id


def stored_task(container: Container, username: str, task_id: str | uuid.UUID) -> Task:
    reference = TaskReference(
        actor=user_named(container, username), task_id=uuid.UUID(str(task_id))
    )
    return container.get_task().execute(reference)


def titles_listed(html: str) -> list[str]:
    return re.findall(r'<a id="task-[^"]+" href="/app/tasks/[^"]+"[^>]*>([^<]*)</a>', html)


def test_a_page_without_a_login_sends_to_the_login_page(web: TestClient) -> None:
    response = web.get("/app/tasks?completed=true")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/login?next=/app/tasks%3Fcompleted%3Dtrue"


def test_create_then_edit_then_complete_then_delete(
    web: TestClient, memory_container: Container
) -> None:
    token = sign_in(web, "alice")
    form = {
        "csrf_token": token,
        "title": "  Buy milk  ",
        "description": "Two litres\r\nsemi-skimmed",
        "priority": "high",
        "due_date": "2026-12-24",
    }
    created = web.post("/app/tasks", data=form)
    assert created.status_code == 303
    assert created.headers["location"] == "/app/tasks?notice=task_created"
    listing = web.get(created.headers["location"])
    assert "Task created." in listing.text
    assert titles_listed(listing.text) == ["Buy milk"]
    (task_id,) = re.findall(r'href="/app/tasks/([0-9a-f-]{36})"', listing.text)

    stored = stored_task(memory_container, "alice", task_id)
    assert (stored.title, stored.description, stored.priority) == (
        "Buy milk",
        "Two litres\nsemi-skimmed",
        Priority.HIGH,
    )
    assert str(stored.due_date) == "2026-12-24"

    edit = {"csrf_token": token, "title": "Buy oat milk", "priority": "low", "due_date": ""}
    saved = web.post(f"/app/tasks/{task_id}", data={**edit, "completed": "on"})
    assert saved.headers["location"] == f"/app/tasks/{task_id}?notice=task_saved"
    stored = stored_task(memory_container, "alice", task_id)
    assert (stored.title, stored.description, stored.priority, stored.due_date) == (
        "Buy oat milk",
        None,
        Priority.LOW,
        None,
    )
    assert stored.completed

    reopened = web.post(
        f"/app/tasks/{task_id}/complete",
        data={"csrf_token": token, "completed": "false", "next": "/app/tasks?completed=false"},
    )
    assert reopened.headers["location"] == "/app/tasks?completed=false&notice=task_reopened"
    assert not stored_task(memory_container, "alice", task_id).completed

    confirm = web.get(f"/app/tasks/{task_id}/delete")
    assert confirm.status_code == 200
    assert "Buy oat milk" in confirm.text
    deleted = web.post(f"/app/tasks/{task_id}/delete", data={"csrf_token": token})
    assert deleted.headers["location"] == "/app/tasks?notice=task_deleted"
    assert web.get(f"/app/tasks/{task_id}").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "Title must be 1 to 200 characters long."),
        ("title", "x" * 201, "Title must be 1 to 200 characters long."),
        ("due_date", "2026-13-45", "Enter a date as YYYY-MM-DD, or leave it empty."),
        ("priority", "urgent", "Choose low, medium or high."),
        ("description", "d" * 5001, "Description must be at most 5000 characters long."),
    ],
)
def test_invalid_input_shows_the_form_again_with_the_message_by_its_field(
    web: TestClient, field: str, value: str, message: str
) -> None:
    token = sign_in(web, "alice")
    form = {"csrf_token": token, "title": "Fine", "description": "kept", "priority": "low"}
    form[field] = value
    for url in ("/app/tasks", f"/app/tasks/{created_task(web, token)}"):
        response = web.post(url, data=form)
        assert response.status_code == 422
        assert errors_shown(response.text) == {field: message}
        assert 'aria-invalid="true"' in response.text
        if field != "description":
            assert ">kept</textarea>" in response.text
    assert titles_listed(web.get("/app/tasks").text) == ["Edit me"]


def test_every_wrong_field_is_shown_at_once(web: TestClient) -> None:
    token = sign_in(web, "alice")
    form = {"csrf_token": token, "title": "", "priority": "urgent", "due_date": "soon"}
    response = web.post("/app/tasks", data=form)
    assert response.status_code == 422
    assert set(errors_shown(response.text)) == {"title", "priority", "due_date"}


def errors_shown(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="error" id="([a-z_]+)-error">([^<]*)</p>', html))


def created_task(web: TestClient, token: str) -> str:
    web.post("/app/tasks", data={"csrf_token": token, "title": "Edit me", "priority": "low"})
    listing = web.get("/app/tasks").text
    task_ids: list[str] = re.findall(r'href="/app/tasks/([0-9a-f-]{36})"', listing)
    return task_ids[0]


def test_someone_elses_task_is_the_404_page_and_stays_as_it_was(
    web: TestClient, memory_container: Container
) -> None:
    sign_in(web, "bob")
    web.cookies.clear()
    token = sign_in(web, "alice")
    bobs = add_task(memory_container, "bob", "Bob's secret")
    attempts = [
        web.get(f"/app/tasks/{bobs}"),
        web.get(f"/app/tasks/{bobs}/delete"),
        web.post(
            f"/app/tasks/{bobs}", data={"csrf_token": token, "title": "Mine now", "priority": "low"}
        ),
        web.post(f"/app/tasks/{bobs}/complete", data={"csrf_token": token, "completed": "true"}),
        web.post(f"/app/tasks/{bobs}/delete", data={"csrf_token": token}),
        web.get("/app/tasks/not-a-task-id"),
    ]
    for response in attempts:
        assert response.status_code == 404
        assert "Page not found" in response.text
        assert "Bob&#39;s secret" not in response.text
    still = stored_task(memory_container, "bob", bobs)
    assert (still.title, still.completed) == ("Bob's secret", False)


def test_a_form_without_its_csrf_token_changes_nothing(
    web: TestClient, memory_container: Container
) -> None:
    sign_in(web, "alice")
    response = web.post("/app/tasks", data={"title": "Forged"})
    assert response.status_code == 403
    assert titles_listed(web.get("/app/tasks").text) == []


def test_filters_and_search_reach_the_list(web: TestClient, memory_container: Container) -> None:
    sign_in(web, "alice")
    add_task(memory_container, "alice", "Water plants", priority=Priority.LOW)
    add_task(memory_container, "alice", "File taxes", priority=Priority.HIGH, completed=True)
    add_task(
        memory_container,
        "alice",
        "Renew passport",
        priority=Priority.HIGH,
        due_date=date(2026, 3, 1),
    )
    cases = {
        "": ["Renew passport", "File taxes", "Water plants"],
        "?completed=true": ["File taxes"],
        "?completed=false&priority=high": ["Renew passport"],
        "?due_before=2026-06-01": ["Renew passport"],
        "?q=TAX": ["File taxes"],
    }
    for query, expected in cases.items():
        response = web.get(f"/app/tasks{query}")
        assert response.status_code == 200
        assert titles_listed(response.text) == expected, query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("completed=maybe", "completed"),
        ("priority=urgent", "priority"),
        ("due_before=soon", "due_before"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_a_bad_filter_is_a_422_with_the_message_by_its_field(
    web: TestClient, query: str, field: str
) -> None:
    sign_in(web, "alice")
    response = web.get(f"/app/tasks?{query}")
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text


def test_pages_follow_the_cursor_and_keep_the_filters(
    web: TestClient, memory_container: Container
) -> None:
    sign_in(web, "alice")
    for number in range(23):
        add_task(memory_container, "alice", f"Task {number:02}", priority=Priority.HIGH)
    add_task(memory_container, "alice", "Low one", priority=Priority.LOW)
    first = web.get("/app/tasks?priority=high")
    assert len(titles_listed(first.text)) == 20
    next_link = re.search(r'href="(/app/tasks\?priority=high&amp;cursor=[^"]+)">Older', first.text)
    assert next_link, first.text
    second = web.get(next_link.group(1).replace("&amp;", "&"))
    assert titles_listed(second.text) == ["Task 02", "Task 01", "Task 00"]
    assert 'href="/app/tasks?priority=high">Back to the first page' in second.text
    assert web.get("/app/tasks?cursor=not-a-cursor").status_code == 400


def test_after_marking_complete_only_a_local_page_is_a_way_back(
    web: TestClient, memory_container: Container
) -> None:
    token = sign_in(web, "alice")
    task_id = add_task(memory_container, "alice", "Call mum")
    for next_url in ("https://evil.example/", "//evil.example/app/", ""):
        response = web.post(
            f"/app/tasks/{task_id}/complete",
            data={"csrf_token": token, "completed": "true", "next": next_url},
        )
        assert response.headers["location"] == f"/app/tasks/{task_id}?notice=task_completed"
