"""axe-core finds no serious or critical violation on any page, signed out and signed in, on a
desktop and on a phone."""

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browser.accessibility import blocking_violations
from tests.browser.pages_support import api_login, log_in, register_by_api
from tests.browser.server import Server

SIGNED_OUT_PAGES = [
    "/app/",
    "/app/login",
    "/app/register",
    "/app/forgot-password",
    "/app/reset-password?token=an-emailed-token",
    "/app/verify-email?token=an-emailed-token",
    "/app/no-such-page",
]
# The task and admin pages are checked by their own tests (test_pages_tasks, test_pages_admin).
SIGNED_IN_PAGES = ["/app/", "/app/account", "/app/posts/new", "/app/posts/mine"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, page: Page) -> Page:
    page.set_viewport_size(VIEWPORTS[request.param])  # type: ignore[arg-type]
    return page


def test_signed_out_pages(server: Server, sized_page: Page) -> None:
    found = {}
    for path in SIGNED_OUT_PAGES:
        sized_page.goto(server.url + path)
        found[path] = blocking_violations(sized_page)
    assert found == {path: [] for path in SIGNED_OUT_PAGES}


def test_signed_in_pages(server: Server, sized_page: Page) -> None:
    person = register_by_api(server)
    token = api_login(server, person)["access_token"]
    post = {"title": "A post", "content": "Its text.\nTwo lines.", "published": True}
    created = httpx.post(
        server.url + "/posts", json=post, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    log_in(sized_page, server, person)
    found = {}
    for path in [*SIGNED_IN_PAGES, f"/app/posts/{created.json()['id']}"]:
        sized_page.goto(server.url + path)
        found[path] = blocking_violations(sized_page)
    assert found == {path: [] for path in found}


def test_a_form_with_errors(server: Server, page: Page) -> None:
    page.goto(server.url + "/app/register")
    page.get_by_role("button", name="Register").click()
    assert page.locator(".error").count() > 0
    assert blocking_violations(page) == []


def test_axe_finds_what_it_should(server: Server, browser: Browser) -> None:
    """The check is live: an unlabelled field is found."""
    page = browser.new_page()
    page.set_content("<main><h1>x</h1><input type='text'></main>")
    assert any("label" in line for line in blocking_violations(page))
    page.close()
