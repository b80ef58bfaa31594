"""The admin pages in Chromium: an admin (made by `tessera users create-admin`) deactivates a user
and finds it in the audit log; a plain user gets the 403 page. axe-core checks both admin pages here
(an admin is needed to see them). The routes' details, fast: tests/web/test_pages_admin.py."""

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.accessibility import blocking_violations
from tests.browser.pages_support import admin_by_cli, api_login, log_in, register_by_api, signed_up
from tests.browser.server import Server


def test_an_admin_deactivates_a_user_and_sees_it_in_the_audit_log(
    app_server: Server, page: Page, request: pytest.FixtureRequest
) -> None:
    # axe once, on SQLite: what it finds does not depend on the database, and it costs seconds.
    check_accessibility = request.node.callspec.params["app_server"] == "sqlite"
    admin = admin_by_cli(app_server)
    person = register_by_api(app_server)
    token = api_login(app_server, person)["access_token"]
    log_in(page, app_server, admin)

    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    if check_accessibility:
        assert blocking_violations(page) == []
    page.get_by_label("Search by username or name").fill(person.username)
    page.get_by_role("button", name="Show").click()
    account = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=person.username)
    )
    expect(account).to_have_count(1)
    account.get_by_role("button", name="Deactivate").click()

    expect(page.get_by_role("status")).to_contain_text("The account is deactivated")
    expect(page.get_by_label("Search by username or name")).to_have_value(person.username)
    expect(account.get_by_text("inactive", exact=True)).to_be_visible()
    expect(account.get_by_role("button", name="Activate")).to_be_visible()
    refused = httpx.get(
        app_server.url + "/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert refused.status_code == 401

    account.get_by_role("link", name="Audit events").click()
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    page.get_by_label("Event type").select_option("account_deactivated")
    page.get_by_role("button", name="Show").click()
    rows = page.get_by_role("row").filter(has_text="account deactivated")
    expect(rows).to_have_count(1)
    if check_accessibility:
        assert blocking_violations(page) == []


def test_a_plain_user_gets_the_403_page_on_the_admin_pages(app_server: Server, page: Page) -> None:
    signed_up(page, app_server)
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    for path in ("/app/admin", "/app/admin/audit"):
        answer = page.goto(app_server.url + path)
        assert answer is not None
        assert answer.status == 403, path
        expect(page.get_by_role("heading", name="You may not do that", level=1)).to_be_visible()
        expect(page.get_by_text("This action requires the admin role.")).to_be_visible()


HOSTILE_NAME = '<script>alert("name")</script><img src=x onerror=alert(1)>'


def test_markup_in_a_full_name_is_shown_as_text(app_server: Server, page: Page) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    person = register_by_api(app_server)
    token = api_login(app_server, person)["access_token"]
    renamed = httpx.patch(
        app_server.url + "/users/me",
        json={"full_name": HOSTILE_NAME},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert renamed.status_code == 200, renamed.text

    log_in(page, app_server, person)
    page.goto(app_server.url + "/app/account")
    expect(page.get_by_label("Full name (optional)")).to_have_value(HOSTILE_NAME)
    page.get_by_role("button", name="Log out", exact=True).click()
    log_in(page, app_server, admin_by_cli(app_server))
    page.goto(app_server.url + f"/app/admin/users?q={person.username}")
    expect(page.get_by_text(HOSTILE_NAME, exact=False)).to_be_visible()
    assert page.locator("main script, main img").count() == 0
    assert dialogs == []
