"""The emailed links, in Chromium: confirm an address, reset a forgotten password."""

from dataclasses import replace

from playwright.sync_api import Page, expect

from tests.browser.pages_support import emailed_link, log_in, new_person, register_by_api
from tests.browser.server import Server

NEW_PASSWORD = "a brand new passphrase 7"


def opened_without_referrer(page: Page, link: str) -> bool:
    """Open an emailed link; whether its page forbids referrers (its URL holds a token)."""
    response = page.goto(link)
    return response is not None and response.headers.get("referrer-policy") == "no-referrer"


def test_register_confirm_the_email_from_its_link_then_log_in(
    app_server: Server, page: Page
) -> None:
    person = new_person("v")
    page.goto(app_server.url + "/app/register")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")

    link = emailed_link(app_server, person.email, "/app/verify-email")
    # Opened twice (a mail scanner, then the person): opening spends nothing.
    for _ in range(2):
        assert opened_without_referrer(page, link)
        expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    page.get_by_role("button", name="Confirm my email").click()
    expect(page.get_by_role("status")).to_have_text("Your email address is confirmed.")

    log_in(page, app_server, person)
    page.get_by_role("link", name=f"Account of {person.username}").click()
    expect(page.locator("#email-hint")).to_have_text("Confirmed.")


def test_forgot_password_then_a_new_one_from_the_emailed_link(
    app_server: Server, page: Page
) -> None:
    person = register_by_api(app_server, new_person("f"))
    page.goto(app_server.url + "/app/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(person.email)
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("status")).to_contain_text("a reset link is on its way")

    assert opened_without_referrer(
        page, emailed_link(app_server, person.email, "/app/reset-password")
    )
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Log in with it.")

    page.get_by_label("Username or email").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect username, email or password.")
    log_in(page, app_server, replace(person, password=NEW_PASSWORD))
