"""A person's tasks through the pages, in Chromium: create, edit, complete, delete; nobody else's;
a title is text, never markup; axe finds nothing serious on any of them."""

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.accessibility import blocking_violations
from tests.browser.pages_support import api_login, register_by_api, signed_up
from tests.browser.server import Server

SCRIPT_TITLE = "<script>alert(1)</script>"


def task_by_api(server: Server, access_token: str, title: str) -> str:
    response = httpx.post(
        server.url + "/tasks",
        json={"title": title},
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    task_id: str = response.json()["id"]
    return task_id


def test_create_edit_complete_and_delete_a_task(app_server: Server, page: Page) -> None:
    signed_up(page, app_server, "t")
    page.get_by_role("link", name="Tasks", exact=True).click()
    expect(page.get_by_text("You have no tasks yet.")).to_be_visible()

    page.get_by_role("link", name="New task").click()
    page.get_by_label("Title").fill("Buy milk")
    page.get_by_label("Description (optional)").fill("Two litres.")
    page.get_by_label("Priority").select_option("High")
    page.get_by_label("Due date (optional)").fill("2026-12-24")
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_role("status")).to_have_text("Task created.")
    row = page.get_by_role("row").filter(has_text="Buy milk")
    expect(row).to_contain_text("High")
    expect(row).to_contain_text("24 Dec 2026")

    row.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_role("status")).to_have_text("Task marked complete.")
    expect(row.get_by_role("button", name="Mark not complete")).to_be_visible()
    page.get_by_label("Status").select_option("Not done")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No task matches these filters.")).to_be_visible()
    page.get_by_label("Status").select_option("Done")
    page.get_by_role("button", name="Filter").click()

    page.get_by_role("link", name="Buy milk").click()
    expect(page.get_by_label("Completed")).to_be_checked()
    page.get_by_label("Title").fill("")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Save changes").click()
    assert answer.value.status == 422
    expect(page.locator("#title-error")).to_have_text("Title must be 1 to 200 characters long.")
    expect(page.get_by_label("Description (optional)")).to_have_value("Two litres.")
    page.get_by_label("Title").fill("Buy oat milk")
    page.get_by_label("Completed").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Task saved.")
    expect(page.get_by_label("Title")).to_have_value("Buy oat milk")
    expect(page.get_by_label("Completed")).not_to_be_checked()

    page.get_by_role("link", name="Delete this task…").click()
    expect(page.get_by_role("heading", name="Delete this task?")).to_be_visible()
    page.get_by_role("button", name="Delete task").click()
    expect(page.get_by_role("status")).to_have_text("Task deleted.")
    expect(page.get_by_text("You have no tasks yet.")).to_be_visible()


def test_someone_elses_task_is_the_404_page(app_server: Server, page: Page) -> None:
    owner = register_by_api(app_server)
    their_task = task_by_api(app_server, api_login(app_server, owner)["access_token"], "Private")
    signed_up(page, app_server, "o")
    response = page.goto(f"{app_server.url}/app/tasks/{their_task}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(page.get_by_text("Private")).to_have_count(0)


def test_a_script_in_a_title_is_shown_as_text(app_server: Server, page: Page) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    person = signed_up(page, app_server, "x")
    task_id = task_by_api(app_server, api_login(app_server, person)["access_token"], SCRIPT_TITLE)

    page.goto(app_server.url + "/app/tasks")
    expect(page.get_by_role("link", name=SCRIPT_TITLE)).to_be_visible()
    page.goto(f"{app_server.url}/app/tasks/{task_id}")
    expect(page.get_by_label("Title")).to_have_value(SCRIPT_TITLE)
    page.goto(f"{app_server.url}/app/tasks/{task_id}/delete")
    expect(page.get_by_text(SCRIPT_TITLE, exact=True)).to_be_visible()
    assert dialogs == []


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]
)
def test_the_task_pages_pass_the_accessibility_check(
    server: Server, page: Page, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)  # type: ignore[arg-type]
    person = signed_up(page, server, "a")
    task_id = task_by_api(server, api_login(server, person)["access_token"], "Water plants")
    found = {}
    for path in ("/app/tasks", f"/app/tasks/{task_id}", f"/app/tasks/{task_id}/delete"):
        page.goto(server.url + path)
        found[path] = blocking_violations(page)
    page.goto(server.url + "/app/tasks/new")
    page.get_by_role("button", name="Create task").click()
    expect(page.locator("#title-error")).to_be_visible()
    found["/app/tasks/new, with an error"] = blocking_violations(page)
    assert found == {path: [] for path in found}
