"""The pages' defences as a browser meets them, in Chromium: a forged form (from another site, and
from this one without its token) changes nothing; the session cookie's attributes; the cookie opens
no JSON API route. (tests/web/test_page_security.py checks the same rules request by request.)

On SQLite only: what is checked here is the browser's and the pages' part, not the database's.
"""

import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.pages_support import log_in, signed_up
from tests.browser.server import Server

pytestmark = pytest.mark.parametrize("app_server", ["sqlite"], indirect=True)

# Another site: the browser sees localhost and 127.0.0.1 as two sites. Its page is made up here
# (route.fulfill), so nothing is served or fetched past this machine.
ATTACKER = "http://localhost:9/prize"


def tasks_page_titles(page: Page, server: Server) -> list[str]:
    page.goto(server.url + "/app/tasks")
    return page.locator("main table tr td:first-child").all_inner_texts()


def test_a_form_posted_from_another_site_is_the_403_page_and_changes_nothing(
    app_server: Server, page: Page
) -> None:
    signed_up(page, app_server, "v")
    before = tasks_page_titles(page, app_server)
    forged = f"""<!doctype html><title>Prize</title>
        <form method="post" action="{app_server.url}/app/tasks">
          <input name="title" value="Forged by another site">
          <button>Claim your prize</button>
        </form>"""

    def attacker_page(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=forged)

    page.context.route(ATTACKER, attacker_page)
    page.goto(ATTACKER)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Claim your prize").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You may not do that")
    assert tasks_page_titles(page, app_server) == before


def test_a_form_of_this_site_without_its_token_is_the_403_page_and_changes_nothing(
    app_server: Server, page: Page
) -> None:
    signed_up(page, app_server, "w")
    page.goto(app_server.url + "/app/tasks/new")
    page.get_by_label("Title").fill("Sent without a token")
    # What a forged same-site form would lack: the hidden token (Playwright removes it; the page's
    # own policy forbids any script of the page's to do so).
    page.locator("main form input[name=csrf_token]").evaluate("input => input.remove()")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Create task").click()
    assert answer.value.status == 403
    assert "Sent without a token" not in tasks_page_titles(page, app_server)


def test_the_session_cookie_is_opaque_httponly_lax_and_new_at_every_login(
    app_server: Server, page: Page
) -> None:
    person = signed_up(page, app_server, "c")
    first = next(c for c in page.context.cookies() if c["name"] == "tessera_session")
    assert first["httpOnly"] is True
    assert first["sameSite"] == "Lax"
    assert first["secure"] is False  # plain http on 127.0.0.1; __Host- and Secure on https
    assert first["path"] == "/"
    assert re.fullmatch(r"[\w-]{40,}", first["value"])  # random, not a JWT (no dots)
    assert page.evaluate("document.cookie").find(first["value"]) == -1  # hidden from scripts

    page.get_by_role("button", name="Log out").click()
    log_in(page, app_server, person)
    second = next(c for c in page.context.cookies() if c["name"] == "tessera_session")
    assert second["value"] != first["value"]


def test_the_cookie_opens_no_json_api_route(app_server: Server, page: Page) -> None:
    signed_up(page, app_server, "j")
    # The context's request client sends the browser's cookies, as a fetch from a page would.
    for path in ("/users/me", "/tasks", "/auth/sessions"):
        response = page.request.get(app_server.url + path)
        assert response.status == 401, path
        assert response.json()["code"] in ("not_authenticated", "invalid_token")
