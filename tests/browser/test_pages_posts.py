"""Posts through the pages, in Chromium: write a draft, publish, edit; someone else can neither see
the draft nor change the post; markup in a post is shown as text; the author deletes a post."""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Dialog, Page, Response, Route, expect

from tests.browser.pages_support import signed_up
from tests.browser.server import Server

CONTENT = "The first line of the post.\nThe second line, kept apart."


def status(response: Response | None) -> int:
    assert response is not None, "the page did not navigate"
    return response.status


def shown_text(page: Page) -> str:
    """The post's body as a reader sees it, once the stylesheet (which keeps its line breaks)
    applies."""
    body = page.locator(".post-body")
    expect(body).to_have_css("white-space", "pre-wrap")
    return body.inner_text()


@pytest.fixture
def other_page(browser: Browser, page: Page, outside_requests: list[str]) -> Iterator[Page]:
    """A second person's browser (cookies of its own), as offline as `page`, whose teardown
    then reports any request it made outside 127.0.0.1."""

    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside_requests.append(route.request.url)
            route.abort()

    context = browser.new_context()
    context.set_default_timeout(10_000)
    context.route("**/*", local_only)
    yield context.new_page()
    context.close()


def test_write_a_draft_publish_and_edit_while_nobody_else_may_see_or_change_it(
    app_server: Server, page: Page, other_page: Page
) -> None:
    signed_up(page, app_server, "author")
    page.get_by_role("link", name="My posts").click()
    expect(page.get_by_text("You have not written a post yet.")).to_be_visible()
    page.get_by_role("link", name="Write a post").click()
    page.get_by_label("Title").fill("Hi")
    page.get_by_label("Content").fill(CONTENT)
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator("#title-error")).to_have_text("Title must be 5 to 100 characters long.")
    expect(page.get_by_label("Content")).to_have_value(CONTENT)
    page.get_by_label("Title").fill("A first post")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("A first post")
    assert shown_text(page) == CONTENT  # its line breaks shown
    post_url = page.url.split("?")[0]

    # The draft is invisible to anyone else.
    signed_up(other_page, app_server, "other")
    assert status(other_page.goto(post_url)) == 404
    expect(other_page.get_by_role("heading", name="Page not found")).to_be_visible()

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Post published: anyone can read it now.")

    # Published, the other person reads it, sees no control, and a forged edit changes nothing.
    other_page.goto(post_url)
    expect(other_page.get_by_role("heading", level=1)).to_have_text("A first post")
    for control in ("Edit", "Delete"):
        expect(other_page.get_by_role("link", name=control, exact=True)).to_have_count(0)
    expect(other_page.get_by_role("button", name="Unpublish")).to_have_count(0)
    assert status(other_page.goto(post_url + "/edit")) == 403
    token = other_page.locator("input[name=csrf_token]").first.input_value()
    forged = other_page.request.post(
        post_url + "/edit",
        form={"csrf_token": token, "title": "Not the author's", "content": CONTENT},
        headers={"Origin": app_server.url},
    )
    assert forged.status == 403

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Title")).to_have_value("A first post")
    page.get_by_label("Title").fill("A first post, edited")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Your changes are saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("A first post, edited")

    page.get_by_role("button", name="Unpublish").click()
    expect(page.get_by_role("status")).to_contain_text("Post moved back to your drafts")
    assert status(other_page.reload()) == 404


def test_markup_in_a_post_is_shown_as_text_and_the_author_deletes_the_post(
    app_server: Server, page: Page
) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    title = "<script>alert(1)</script> in a title"
    content = "<script>alert(1)</script>\n<img src=x onerror=alert(2)> <b>not bold</b>"
    signed_up(page, app_server, "markup")
    page.goto(app_server.url + "/app/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Content").fill(content)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert shown_text(page) == content
    expect(page.locator("main script, main img, main b")).to_have_count(0)

    # Listed as text on the home page and on the author's own list too.
    page.get_by_role("link", name="Posts", exact=True).click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    page.get_by_role("link", name="My posts").click()
    page.get_by_role("link", name=title).click()

    page.get_by_role("link", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this post?")
    page.get_by_role("button", name="Delete post").click()
    expect(page.get_by_role("status")).to_have_text("Post deleted.")
    expect(page.get_by_text("You have not written a post yet.")).to_be_visible()
    assert dialogs == []
