import uuid
from typing import Any

import pytest

from tests.api.conftest import Api, bearer

TASK_FIELDS = {
    "id",
    "title",
    "description",
    "completed",
    "priority",
    "due_date",
    "owner_id",
    "created_at",
    "updated_at",
}


def create_task(api: Api, token: str, **body: Any) -> dict[str, Any]:
    response = api.client.post("/tasks", headers=bearer(token), json={"title": "Buy milk", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_and_read_a_task(api: Api) -> None:
    token = api.registered_token()
    me = api.client.get("/users/me", headers=bearer(token)).json()
    task = create_task(api, token, title="  Buy milk ", due_date="2026-12-24", priority="high")
    assert set(task) == TASK_FIELDS
    assert (task["title"], task["priority"], task["due_date"], task["completed"]) == (
        "Buy milk",
        "high",
        "2026-12-24",
        False,
    )
    assert task["owner_id"] == me["id"]
    assert task["description"] is None
    assert api.client.get(f"/tasks/{task['id']}", headers=bearer(token)).json() == task
    for path in ("/tasks", "/tasks/"):
        listed = api.client.get(path, headers=bearer(token))
        assert listed.status_code == 200
        assert listed.json() == {"items": [task], "next_cursor": None}


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": " " + "x" * 201 + " "},
        {"title": "t", "description": "d" * 5001},
        {"title": "t", "priority": "urgent"},
        {"title": "t", "due_date": "tomorrow"},
        {"title": "t", "owner_id": str(uuid.uuid4())},
        {"title": "t", "id": str(uuid.uuid4())},
        {"title": "t", "created_at": "2020-01-01T00:00:00Z"},
        {},
    ],
)
def test_invalid_bodies_are_422(api: Api, body: dict[str, Any]) -> None:
    token = api.registered_token()
    response = api.client.post("/tasks", headers=bearer(token), json=body)
    assert response.status_code == 422
    assert api.client.get("/tasks", headers=bearer(token)).json()["items"] == []


def test_a_title_is_1_to_200_characters_once_trimmed(api: Api) -> None:
    token = api.registered_token()
    longest = "x" * 200
    task = create_task(api, token, title=f"  {longest}\t")
    assert task["title"] == longest
    response = api.client.patch(
        f"/tasks/{task['id']}", headers=bearer(token), json={"title": f" {longest[:-1]}y "}
    )
    assert (response.status_code, response.json()["title"]) == (200, f"{longest[:-1]}y")
    too_long = api.client.patch(
        f"/tasks/{task['id']}", headers=bearer(token), json={"title": f" {longest}z "}
    )
    assert too_long.status_code == 422


def test_update_any_subset(api: Api) -> None:
    token = api.registered_token()
    task = create_task(api, token, description="2 litres", due_date="2026-12-24")
    response = api.client.patch(
        f"/tasks/{task['id']}", headers=bearer(token), json={"completed": True, "due_date": None}
    )
    assert response.status_code == 200
    updated = response.json()
    assert (updated["completed"], updated["due_date"], updated["description"]) == (
        True,
        None,
        "2 litres",
    )
    assert updated["updated_at"] >= task["updated_at"]
    for body in ({"owner_id": str(uuid.uuid4())}, {"title": None}, {"completed": None}):
        assert (
            api.client.patch(f"/tasks/{task['id']}", headers=bearer(token), json=body).status_code
            == 422
        )
    assert api.client.get(f"/tasks/{task['id']}", headers=bearer(token)).json() == updated


def test_delete(api: Api) -> None:
    token = api.registered_token()
    task = create_task(api, token)
    assert api.client.delete(f"/tasks/{task['id']}", headers=bearer(token)).status_code == 204
    assert api.client.get(f"/tasks/{task['id']}", headers=bearer(token)).status_code == 404
    assert api.client.delete(f"/tasks/{task['id']}", headers=bearer(token)).status_code == 404


def test_another_users_task_is_exactly_like_a_missing_one(api: Api) -> None:
    alice = api.registered_token("alice")
    mallory = api.registered_token("mallory")
    task = create_task(api, alice)
    missing = f"/tasks/{uuid.uuid4()}"
    theirs = f"/tasks/{task['id']}"
    for method, body in (("GET", None), ("PATCH", {"title": "mine"}), ("DELETE", None)):
        on_theirs = api.client.request(method, theirs, headers=bearer(mallory), json=body)
        on_missing = api.client.request(method, missing, headers=bearer(mallory), json=body)
        assert on_theirs.status_code == on_missing.status_code == 404
        assert on_theirs.json() == on_missing.json()
    assert api.client.get("/tasks", headers=bearer(mallory)).json()["items"] == []
    assert api.client.get(theirs, headers=bearer(alice)).json() == task


def test_admins_see_no_one_elses_tasks(api: Api, admin_token: str) -> None:
    alice = api.registered_token("alice")
    task = create_task(api, alice)
    assert api.client.get(f"/tasks/{task['id']}", headers=bearer(admin_token)).status_code == 404
    assert api.client.get("/tasks", headers=bearer(admin_token)).json()["items"] == []


def test_filters(api: Api) -> None:
    token = api.registered_token()
    create_task(api, token, title="Call mum", priority="high", due_date="2026-01-10")
    create_task(api, token, title="Pay rent", completed=True, due_date="2026-02-01")
    create_task(api, token, title="Read 100% of it", description="A novel")

    def titles(query: str) -> list[str]:
        response = api.client.get(f"/tasks?{query}", headers=bearer(token))
        assert response.status_code == 200, response.text
        return [task["title"] for task in response.json()["items"]]

    assert titles("") == ["Read 100% of it", "Pay rent", "Call mum"]
    assert titles("completed=true") == ["Pay rent"]
    assert titles("completed=false") == ["Read 100% of it", "Call mum"]
    assert titles("priority=high") == ["Call mum"]
    assert titles("due_before=2026-02-01") == ["Call mum"]
    assert titles("search=0%25") == ["Read 100% of it"]
    assert titles("search=NOVEL") == ["Read 100% of it"]
    assert titles("search=_") == []
    for bad in ("priority=urgent", "due_before=soon", "completed=maybe", "limit=0", "limit=101"):
        assert api.client.get(f"/tasks?{bad}", headers=bearer(token)).status_code == 422
    response = api.client.get("/tasks?cursor=garbage", headers=bearer(token))
    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


def test_walking_250_tasks_in_pages_of_20_sees_each_once_in_order_despite_inserts(api: Api) -> None:
    token = api.registered_token()
    created = [create_task(api, token, title=f"task {n}")["id"] for n in range(250)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 20, **({"cursor": cursor} if cursor else {})}
        body = api.client.get("/tasks", headers=bearer(token), params=params).json()
        seen += [task["id"] for task in body["items"]]
        pages += 1
        create_task(api, token, title=f"inserted after page {pages}")
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))
    assert pages == 13
