"""The account page in Chromium: sessions, logout everywhere, password change."""

import httpx
from playwright.sync_api import Page, expect

from tests.browser.pages_support import api_login, signed_up
from tests.browser.server import Server

NEW_PASSWORD = "a brand new passphrase 7"


def refresh(server: Server, tokens: dict[str, str]) -> int:
    body = {"refresh_token": tokens["refresh_token"]}
    return httpx.post(server.url + "/auth/refresh", json=body, timeout=10).status_code


def test_sessions_list_this_browser_and_an_api_client_which_can_be_revoked(
    app_server: Server, page: Page
) -> None:
    person = signed_up(page, app_server, "s")
    api_session = api_login(app_server, person)
    page.goto(app_server.url + "/app/account")

    sessions = page.get_by_role("listitem").filter(has_text="IP address")
    this_browser = sessions.filter(has_text="This browser")
    expect(this_browser).to_have_count(1)
    expect(this_browser.get_by_role("button")).to_have_count(0)
    api_client = sessions.filter(has_text="python-httpx")
    expect(api_client).to_contain_text("127.0.0.1")
    api_client.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_have_text("That session is logged out.")
    expect(sessions).to_have_count(1)
    assert refresh(app_server, api_session) == 401

    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    page.goto(app_server.url + "/app/account")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_logout_all_from_the_api_ends_the_browser_session_and_login_comes_back(
    app_server: Server, page: Page
) -> None:
    person = signed_up(page, app_server, "a")
    tokens = api_login(app_server, person)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    answer = httpx.post(app_server.url + "/auth/logout-all", headers=headers, timeout=10)
    assert answer.status_code == 204

    page.goto(app_server.url + "/app/account")
    expect(page).to_have_url(app_server.url + "/app/login?next=/app/account")
    page.get_by_label("Username or email").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(app_server.url + "/app/account")
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()


def test_a_password_change_keeps_this_browser_signed_in_and_ends_the_api_session(
    app_server: Server, page: Page
) -> None:
    person = signed_up(page, app_server, "c")
    api_session = api_login(app_server, person)
    page.goto(app_server.url + "/app/account")

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current_password-error")).to_have_text(
        "The current password is incorrect."
    )
    expect(page.get_by_label("New password")).to_have_value("")

    page.get_by_label("Current password").fill(person.password)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed.")
    page.reload()
    expect(page.get_by_role("link", name=f"Account of {person.username}")).to_be_visible()
    sessions = page.get_by_role("listitem").filter(has_text="IP address")
    expect(sessions).to_have_count(1)  # this browser only
    expect(sessions).to_contain_text("This browser")
    assert refresh(app_server, api_session) == 401
