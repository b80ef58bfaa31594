"""The post pages' routes, without a browser: what each answers, and that every access rule is the
use cases' (the API's). The flows themselves run in Chromium: tests/browser/test_pages_posts.py."""

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from infrastructure.container import build_container
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, make_settings

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
CONTENT = "A paragraph long enough.\nAnd a second line."


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    application = create_app(build_container(make_settings(tmp_path, database_url="memory://")))
    with TestClient(application):  # runs the app's startup once for every visitor below
        yield application


class Visitor:
    """One browser: its own cookies, and the CSRF token of the last page it read."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.token = ""

    def get(self, path: str) -> httpx.Response:
        response: httpx.Response = self.client.get(path)
        if found := TOKEN.search(response.text):
            self.token = found.group(1)
        return response

    def post(self, path: str, **fields: str) -> httpx.Response:
        if not self.token:
            self.get("/app/")
        response: httpx.Response = self.client.post(path, data={"csrf_token": self.token, **fields})
        return response

    def log_in(self, username: str) -> "Visitor":
        self.get("/app/login")
        response = self.post("/app/login", login=username, password=STRONG_PASSWORD)
        assert response.status_code == 303, response.text
        self.get("/app/")  # login replaced the CSRF secret: read a page for a fresh token
        return self

    def write(self, title: str = "A post title", publish: bool = False) -> str:
        fields = {"title": title, "content": CONTENT} | ({"publish": "yes"} if publish else {})
        response = self.post("/app/posts/new", **fields)
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        found = re.fullmatch(r"/app/posts/([0-9a-f-]{36})\?notice=post_\w+", location)
        assert found, location
        return found.group(1)


def person(app: FastAPI, username: str) -> Visitor:
    body = {"username": username, "email": f"{username}@example.com", "password": STRONG_PASSWORD}
    assert TestClient(app).post("/auth/register", json=body).status_code == 201
    return Visitor(app).log_in(username)


def admin(app: FastAPI) -> Visitor:
    command = CreateAdminCommand(
        actor=OPERATOR, username="root", email="root@example.com", password=STRONG_PASSWORD
    )
    app.state.container.create_admin().execute(command)
    return Visitor(app).log_in("root")


def controls(page: httpx.Response) -> set[str]:
    shown = {"Edit": "/edit", "Delete": "/delete", "Publish": "/publish", "Unpublish": "/unpublish"}
    return {
        name for name, path in shown.items() if re.search(rf'/app/posts/[^"]+{path}"', page.text)
    }


def test_the_author_writes_a_draft_then_publishes_and_sees_every_control(app: FastAPI) -> None:
    alice = person(app, "alice")
    post_id = alice.write()
    draft = alice.get(f"/app/posts/{post_id}")
    assert draft.status_code == 200
    assert controls(draft) == {"Edit", "Delete", "Publish"}
    assert '<div class="post-body">A paragraph long enough.\nAnd a second line.</div>' in draft.text

    assert alice.post(f"/app/posts/{post_id}/publish").headers["location"] == (
        f"/app/posts/{post_id}?notice=post_published"
    )
    published = alice.get(f"/app/posts/{post_id}?notice=post_published")
    assert controls(published) == {"Edit", "Delete", "Unpublish"}
    assert "Post published: anyone can read it now." in published.text


def test_someone_else_reads_a_published_post_without_controls_and_cannot_change_it(
    app: FastAPI,
) -> None:
    alice, bob = person(app, "alice"), person(app, "bob")
    post_id = alice.write("Alice's words", publish=True)
    assert controls(bob.get(f"/app/posts/{post_id}")) == set()
    assert controls(Visitor(app).get(f"/app/posts/{post_id}")) == set()  # anonymous

    assert bob.get(f"/app/posts/{post_id}/edit").status_code == 403
    assert bob.get(f"/app/posts/{post_id}/delete").status_code == 403
    for action in ("edit", "unpublish", "delete"):
        refused = bob.post(f"/app/posts/{post_id}/{action}", title="Bob's words", content=CONTENT)
        assert refused.status_code == 403, action
        assert "Only the post&#39;s author or an admin may change it." in refused.text
    unchanged = alice.get(f"/app/posts/{post_id}")
    assert "Alice&#39;s words" in unchanged.text
    assert controls(unchanged) == {"Edit", "Delete", "Unpublish"}


def test_someone_elses_draft_is_missing_on_every_page(app: FastAPI) -> None:
    alice, bob = person(app, "alice"), person(app, "bob")
    post_id = alice.write()
    for path in ("", "/edit", "/delete"):
        assert bob.get(f"/app/posts/{post_id}{path}").status_code == 404, path
        assert Visitor(app).get(f"/app/posts/{post_id}{path}").status_code in (303, 404)
    for action in ("edit", "publish", "delete"):
        missing = bob.post(f"/app/posts/{post_id}/{action}", title="Bob's", content=CONTENT)
        assert missing.status_code == 404, action
    assert alice.get(f"/app/posts/{post_id}").status_code == 200


def test_an_admin_sees_the_controls_on_anyones_post_and_may_use_them(app: FastAPI) -> None:
    alice, root = person(app, "alice"), admin(app)
    post_id = alice.write()
    assert controls(root.get(f"/app/posts/{post_id}")) == {"Edit", "Delete", "Publish"}
    edited = root.post(f"/app/posts/{post_id}/edit", title="Moderated title", content=CONTENT)
    assert edited.status_code == 303
    assert "Moderated title" in alice.get(f"/app/posts/{post_id}").text
    assert root.post(f"/app/posts/{post_id}/delete").status_code == 303
    assert alice.get(f"/app/posts/{post_id}").status_code == 404


def test_invalid_input_shows_the_form_again_with_the_input_and_the_message(app: FastAPI) -> None:
    alice = person(app, "alice")
    refused = alice.post("/app/posts/new", title="Hi", content="<b>too short</b>", publish="yes")
    assert refused.status_code == 422
    assert 'id="title-error">Title must be 5 to 100 characters long.' in refused.text
    assert 'value="Hi"' in refused.text
    assert "&lt;b&gt;too short&lt;/b&gt;</textarea>" in refused.text

    post_id = alice.write()
    refused = alice.post(f"/app/posts/{post_id}/edit", title="A post title", content="short")
    assert refused.status_code == 422
    assert 'id="content-error">Content must be 20 to' in refused.text
    assert f'action="/app/posts/{post_id}/edit"' in refused.text
    assert CONTENT in alice.get(f"/app/posts/{post_id}").text


def test_my_posts_lists_drafts_and_published_posts_apart(app: FastAPI) -> None:
    alice, bob = person(app, "alice"), person(app, "bob")
    alice.write("Draft of Alice")
    alice.write("Published by Alice", publish=True)
    bob.write("Draft of Bob")

    every = alice.get("/app/posts/mine").text
    assert "Draft of Alice" in every
    assert "Published by Alice" in every
    assert "Draft of Bob" not in every
    drafts = alice.get("/app/posts/mine?show=drafts").text
    assert "Draft of Alice" in drafts
    assert "Published by Alice" not in drafts
    published = alice.get("/app/posts/mine?show=published").text
    assert "Published by Alice" in published
    assert "Draft of Alice" not in published
    assert "Draft of Alice" in alice.get("/app/posts/mine?show=nonsense").text


def test_pages_that_need_a_login_send_to_it_and_a_bad_id_is_missing(app: FastAPI) -> None:
    anonymous = Visitor(app)
    for path in ("/app/posts/new", "/app/posts/mine"):
        response = anonymous.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/app/login?next={path}"
    for path in ("/app/posts/not-a-post", f"/app/posts/{uuid.uuid4()}"):
        missing = anonymous.get(path)
        assert missing.status_code == 404
        assert "Page not found" in missing.text
