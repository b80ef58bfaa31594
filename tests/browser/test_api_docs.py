"""/docs and /redoc work with no internet: everything they load comes from Tessera itself."""

import uuid
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.server import PASSWORD, Server, register

# ReDoc's sidebar links to Redocly with a logo from their CDN: the CSP refuses it, and that is right.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def console_errors(page: Page) -> list[str]:
    """Errors the page logs from now on: a script or style the CSP refused is one."""
    errors: list[str] = []

    def keep_errors(message: ConsoleMessage) -> None:
        if message.type == "error" and REDOCLY_LOGO not in message.text:
            errors.append(message.text)

    page.on("console", keep_errors)
    return errors


def test_swagger_ui_authorizes_and_tries_get_users_me_offline(
    server: Server, page: Page, outside_requests: list[str], tmp_path: Path
) -> None:
    username = f"d{uuid.uuid4().hex[:12]}"
    register(server, username)
    errors = console_errors(page)
    page.goto(server.url + "/docs")

    # Authorize: the OAuth2 password form, sent to /auth/token.
    page.get_by_role("button", name="Authorize").first.click()
    page.locator("#oauth_username").fill(username)
    page.locator("#oauth_password").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/auth/token")) as token:
        # The dialog's own "Authorize" button, by its accessible name.
        page.get_by_role("button", name="Apply given OAuth2 credentials").click()
    assert token.value.status == 200
    expect(page.get_by_role("heading", name="Authorized")).to_be_visible()
    page.get_by_role("button", name="Close", exact=True).click()

    # GET /users/me: expand it, "Try it out", "Execute".
    operation = page.locator(".opblock-get", has=page.locator('[data-path="/users/me"]'))
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".live-responses-table tr.response")
    expect(response.locator(".response-col_status")).to_have_text("200")
    expect(response.locator(".response-col_description")).to_contain_text(f'"{username}"')
    operation.screenshot(path=tmp_path / "docs-users-me.png")  # to look at when this fails

    assert outside_requests == []
    assert errors == []


def test_redoc_renders_offline(server: Server, page: Page, outside_requests: list[str]) -> None:
    errors = console_errors(page)
    page.goto(server.url + "/redoc")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tessera")
    expect(page.get_by_text("GET/users/me").first).to_be_attached()
    assert outside_requests == []
    assert errors == []
