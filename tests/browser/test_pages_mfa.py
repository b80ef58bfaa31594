"""The authenticator app in Chromium, as a person sets it up and logs in with it: the secret read
off the setup page, codes from pyotp (what an authenticator app computes), recovery codes read off
the page that shows them once. axe-core checks the second step and the account page with the app
on. The routes' details, fast: tests/web/test_mfa_pages.py."""

import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import blocking_violations
from tests.browser.pages_support import Person, signed_up
from tests.browser.server import Server

STEP_SECONDS = 30


def log_in_with_password(page: Page, server: Server, person: Person) -> None:
    """The first step: the password, which now leads to the code form."""
    page.goto(server.url + "/app/login")
    page.get_by_label("Username or email").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()


def signed_in_as(page: Page, person: Person) -> None:
    expect(page.get_by_role("link", name=f"Account of {person.username}")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")


def test_set_up_an_authenticator_then_log_in_with_its_codes_and_a_recovery_code(
    app_server: Server, page: Page, request: pytest.FixtureRequest
) -> None:
    # axe once, on SQLite: what it finds does not depend on the database, and it costs seconds.
    check_accessibility = request.node.callspec.params["app_server"] == "sqlite"
    person = signed_up(page, app_server, "m")

    page.goto(app_server.url + "/app/account")
    second_factor = page.get_by_role("region", name="Second factor")
    expect(second_factor.get_by_text("Off", exact=True)).to_be_visible()
    second_factor.get_by_label("Password, to set up an app").fill(person.password)
    second_factor.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code")).to_be_visible()
    authenticator = pyotp.TOTP(page.locator("#totp-secret").inner_text())
    setup_code = authenticator.now()
    page.get_by_label("Code from your app").fill(setup_code)
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Your recovery codes", level=1)).to_be_visible()
    recovery_codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(recovery_codes).to_have_count(10)
    codes = recovery_codes.all_inner_texts()
    page.get_by_role("link", name="I have saved them").click()
    expect(second_factor.get_by_text("On", exact=True)).to_be_visible()
    if check_accessibility:
        assert blocking_violations(page) == []
    log_out(page)

    log_in_with_password(page, app_server, person)
    if check_accessibility:
        assert blocking_violations(page) == []
    enter_code(page, setup_code)  # the code that turned the app on: spent, as any used code
    expect(page.get_by_text("That code is not valid.")).to_be_visible()
    expect(page.get_by_label("Code", exact=True)).to_have_attribute("aria-invalid", "true")
    # The next step's code: one the server has not seen, and within its ±1 step of drift.
    enter_code(page, authenticator.at(time.time() + STEP_SECONDS))
    signed_in_as(page, person)
    log_out(page)

    log_in_with_password(page, app_server, person)
    enter_code(page, codes[0])
    signed_in_as(page, person)
    log_out(page)
    log_in_with_password(page, app_server, person)
    enter_code(page, codes[0])
    expect(page.get_by_text("That code is not valid.")).to_be_visible()
