"""The admin pages over HTTP, on a memory database: who gets in, what the filters accept, where an
action leads back to, the last admin's 409. The flows in Chromium: tests/browser/test_pages_admin.py."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from infrastructure.container import Container
from tests.api.conftest import STRONG_PASSWORD
from tests.web.conftest import browser, form_token, log_in, register

LAST_ADMIN = "The last active admin cannot be deactivated, demoted or deleted."


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with browser(tmp_path, database_url="memory://") as test_client:
        yield test_client


def make_admin(client: TestClient, username: str = "root") -> str:
    """An admin as the contract makes one: the create-admin use case, as the operator."""
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    admin = container.create_admin().execute(
        CreateAdminCommand(
            actor=OPERATOR,
            username=username,
            email=f"{username}@example.com",
            password=STRONG_PASSWORD,
        )
    )
    return str(admin.id)


def user_id(client: TestClient, username: str) -> str:
    body = {"username": username, "password": STRONG_PASSWORD}
    return str(client.post("/auth/login", json=body).json()["user"]["id"])


def post(client: TestClient, path: str, **fields: str) -> tuple[int, str]:
    """POST a form as its page would (with the CSRF token): the status, and where it leads (or
    the page)."""
    form = {"csrf_token": form_token(client, "/app/"), **fields}
    response = client.post(path, data=form)
    return response.status_code, response.headers.get("location", response.text)


def test_every_admin_page_and_action_is_the_403_page_for_a_plain_user(client: TestClient) -> None:
    make_admin(client)
    register(client, "bob")
    register(client, "alice")
    bob = user_id(client, "bob")
    log_in(client, "alice")
    for path in (
        "/app/admin/users",
        "/app/admin/users?role=king",  # refused before any filter is judged
        f"/app/admin/users/{bob}/delete",
        "/app/admin/audit",
        "/app/admin/audit?user_id=nonsense",
    ):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert "This action requires the admin role." in refused.text
    assert client.get("/app/admin").headers["location"] == "/app/admin/users"
    for action, fields in (
        ("deactivate", {}),
        ("activate", {}),
        ("role", {"role": "admin"}),
        ("delete", {}),
    ):
        assert post(client, f"/app/admin/users/{bob}/{action}", **fields)[0] == 403, action
    client.cookies.clear()  # another person at the same browser
    log_in(client, "root")
    assert "bob" in client.get("/app/admin/users?status=active&role=user").text


def test_anonymous_visitors_are_sent_to_log_in_and_back(client: TestClient) -> None:
    answer = client.get("/app/admin/audit?event_type=logout")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login?next=/app/admin/audit%3Fevent_type%3Dlogout"


def test_a_wrong_filter_is_422_with_its_message_by_the_field(client: TestClient) -> None:
    make_admin(client)
    log_in(client, "root")
    wrong_user = client.get("/app/admin/audit?user_id=12345")
    assert wrong_user.status_code == 422
    assert 'id="user_id-error"' in wrong_user.text
    assert 'value="12345"' in wrong_user.text
    wrong_role = client.get("/app/admin/users?role=king&search=bo")
    assert wrong_role.status_code == 422
    assert 'id="role-error"' in wrong_role.text
    assert client.get("/app/admin/audit?event_type=&user_id=").status_code == 200
    assert client.get("/app/admin/users?cursor=garbage").status_code == 400
    assert client.get("/app/admin/users/not-an-id/delete").status_code == 404


def test_an_action_leads_back_to_the_list_it_came_from_and_nowhere_else(
    client: TestClient,
) -> None:
    make_admin(client)
    register(client, "bob")
    bob = user_id(client, "bob")
    log_in(client, "root")
    back = "/app/admin/users?search=bo&status=active"
    assert post(client, f"/app/admin/users/{bob}/deactivate", back=back) == (
        303,
        back + "&notice=user_deactivated",
    )
    for foreign in ("https://evil.example/", "//evil.example/app/admin/users", "/app/"):
        assert post(client, f"/app/admin/users/{bob}/activate", back=foreign) == (
            303,
            "/app/admin/users?notice=user_activated",
        )
    assert post(client, f"/app/admin/users/{bob}/role", role="king")[0] == 400
    assert post(client, f"/app/admin/users/{bob}/role", role="admin")[0] == 303
    assert 'action="/app/admin/users/' in client.get(f"/app/admin/users/{bob}/delete").text
    assert post(client, f"/app/admin/users/{bob}/delete")[0] == 303
    assert client.get(f"/app/admin/users/{bob}/delete").status_code == 404


def test_the_last_admin_is_a_409_page_that_says_why(client: TestClient) -> None:
    root = make_admin(client)
    log_in(client, "root")
    for action, fields in (("deactivate", {}), ("role", {"role": "user"}), ("delete", {})):
        status, page = post(client, f"/app/admin/users/{root}/{action}", **fields)
        assert status == 409, action
        assert LAST_ADMIN in page
    assert "root" in client.get("/app/admin/users?role=admin&status=active").text
