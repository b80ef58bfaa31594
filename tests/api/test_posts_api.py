import uuid
from typing import Any

import pytest

from tests.api.conftest import Api, bearer

POST_FIELDS = {
    "id",
    "title",
    "content",
    "published",
    "author_id",
    "author",
    "created_at",
    "updated_at",
    "published_at",
}
CONTENT = "Content that is long enough for a post."


def create_post(api: Api, token: str, **body: Any) -> dict[str, Any]:
    response = api.client.post(
        "/posts", headers=bearer(token), json={"title": "Hello world", "content": CONTENT, **body}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_a_draft_then_publish_it(api: Api) -> None:
    token = api.registered_token()
    draft = create_post(api, token)
    assert set(draft) == POST_FIELDS
    assert (draft["published"], draft["published_at"]) == (False, None)
    assert set(draft["author"]) == {"id", "username", "full_name", "created_at"}
    assert draft["author_id"] == draft["author"]["id"]
    assert api.client.get("/posts").json()["items"] == []
    published = api.client.patch(
        f"/posts/{draft['id']}", headers=bearer(token), json={"published": True}
    ).json()
    assert published["published"] is True
    assert published["published_at"] is not None
    listed = api.client.get("/posts/").json()["items"]
    assert [post["id"] for post in listed] == [draft["id"]]
    assert "@example.com" not in api.client.get("/posts").text


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Hey", "content": CONTENT},
        {"title": "Hello world", "content": "short"},
        {"title": "x" * 101, "content": CONTENT},
        {"title": "Hello world", "content": CONTENT, "author_id": str(uuid.uuid4())},
        {"title": "Hello world", "content": CONTENT, "published_at": "2020-01-01T00:00:00Z"},
        {"title": "Hello world", "content": CONTENT, "id": str(uuid.uuid4())},
    ],
)
def test_invalid_bodies_are_422(api: Api, body: dict[str, Any]) -> None:
    token = api.registered_token()
    assert api.client.post("/posts", headers=bearer(token), json=body).status_code == 422
    assert api.client.get("/posts/my", headers=bearer(token)).json()["items"] == []


def test_a_title_is_5_to_100_characters_once_trimmed(api: Api) -> None:
    token = api.registered_token()
    longest = "x" * 100
    post = create_post(api, token, title=f"  {longest} ")
    assert post["title"] == longest
    response = api.client.patch(
        f"/posts/{post['id']}", headers=bearer(token), json={"title": f" {longest[:-1]}y\n"}
    )
    assert (response.status_code, response.json()["title"]) == (200, f"{longest[:-1]}y")
    too_long = api.client.patch(
        f"/posts/{post['id']}", headers=bearer(token), json={"title": f" {longest}z "}
    )
    assert too_long.status_code == 422


def test_who_sees_a_draft(api: Api, admin_token: str) -> None:
    author = api.registered_token("alice")
    reader = api.registered_token("bob")
    draft = create_post(api, author)
    path = f"/posts/{draft['id']}"
    assert api.client.get(path).status_code == 404
    assert api.client.get(path, headers=bearer(reader)).status_code == 404
    assert api.client.get(path, headers=bearer(author)).status_code == 200
    assert api.client.get(path, headers=bearer(admin_token)).status_code == 200


def test_a_bad_token_on_an_optional_route_is_still_401(api: Api) -> None:
    response = api.client.get("/posts", headers=bearer("garbage"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_only_the_author_or_an_admin_changes_a_post(api: Api, admin_token: str) -> None:
    author = api.registered_token("alice")
    intruder = api.registered_token("mallory")
    public = create_post(api, author, published=True)
    draft = create_post(api, author, title="Secret draft")
    hijack = {"title": "Hijacked post"}

    refused = api.client.patch(f"/posts/{public['id']}", headers=bearer(intruder), json=hijack)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_post_author")
    refused = api.client.delete(f"/posts/{public['id']}", headers=bearer(intruder))
    assert (refused.status_code, refused.json()["code"]) == (403, "not_post_author")
    for method in ("PATCH", "DELETE"):
        hidden = api.client.request(
            method, f"/posts/{draft['id']}", headers=bearer(intruder), json=hijack
        )
        assert hidden.status_code == 404
    assert api.client.get(f"/posts/{public['id']}").json()["title"] == "Hello world"

    moderated = api.client.patch(f"/posts/{public['id']}", headers=bearer(admin_token), json=hijack)
    assert moderated.status_code == 200
    assert moderated.json()["author_id"] == public["author_id"]
    assert (
        api.client.delete(f"/posts/{draft['id']}", headers=bearer(admin_token)).status_code == 204
    )
    assert api.client.delete(f"/posts/{public['id']}", headers=bearer(author)).status_code == 204
    assert api.client.get(f"/posts/{public['id']}").status_code == 404


def test_mass_assignment_on_update_changes_nothing(api: Api) -> None:
    token = api.registered_token()
    post = create_post(api, token)
    for body in ({"author_id": str(uuid.uuid4())}, {"published_at": None}, {"title": None}):
        assert (
            api.client.patch(f"/posts/{post['id']}", headers=bearer(token), json=body).status_code
            == 422
        )
    assert api.client.get(f"/posts/{post['id']}", headers=bearer(token)).json() == post


def test_lists_filters_and_my_posts(api: Api) -> None:
    alice = api.registered_token("alice")
    bob = api.registered_token("bob")
    alice_id = api.client.get("/users/me", headers=bearer(alice)).json()["id"]
    create_post(api, alice, title="Alice in public", published=True)
    create_post(api, alice, title="Alice's draft")
    create_post(api, bob, title="Bob in public", published=True)

    def titles(path: str, token: str | None = None) -> list[str]:
        response = api.client.get(path, headers=bearer(token) if token else {})
        assert response.status_code == 200, response.text
        return [post["title"] for post in response.json()["items"]]

    assert titles("/posts") == ["Bob in public", "Alice in public"]
    assert titles(f"/posts?author_id={alice_id}") == ["Alice in public"]
    assert titles("/posts?search=BOB") == ["Bob in public"]
    assert titles("/posts/my", alice) == ["Alice's draft", "Alice in public"]
    assert titles("/posts/my?published=false", alice) == ["Alice's draft"]
    assert api.client.get("/posts/my").status_code == 401
    bad = api.client.get("/posts?cursor=%%%")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_cursor")


def test_posts_of_a_deactivated_author_are_hidden_until_reactivation(
    api: Api, admin_token: str
) -> None:
    """Like their profile, an inactive author's posts are as missing as ones that never existed
    (lists, search, the author filter); admins still open them, to moderate; reactivation
    brings them back."""
    author = api.register("alice")
    token = api.token("alice")
    post = create_post(api, token, title="Visible again later", published=True)
    reader = api.registered_token("bob")
    admin = bearer(admin_token)

    def ids(query: str, headers: dict[str, str] | None = None) -> list[str]:
        response = api.client.get(f"/posts?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    def status(headers: dict[str, str] | None = None) -> int:
        return int(api.client.get(f"/posts/{post['id']}", headers=headers).status_code)

    deactivated = api.client.patch(f"/admin/users/{author['id']}/deactivate", headers=admin)
    assert deactivated.status_code == 200
    for headers in (None, bearer(reader), admin):
        assert ids("", headers) == []
        assert ids(f"author_id={author['id']}", headers) == []
        assert ids("search=visible", headers) == []
    assert (status(), status(bearer(reader)), status(admin)) == (404, 404, 200)
    # Changing it is refused as for a missing post, not as for someone else's (403).
    edit = {"title": "Defaced title"}
    edited = api.client.patch(f"/posts/{post['id']}", headers=bearer(reader), json=edit)
    deleted = api.client.delete(f"/posts/{post['id']}", headers=bearer(reader))
    assert [(r.status_code, r.json()["code"]) for r in (edited, deleted)] == [
        (404, "not_found"),
        (404, "not_found"),
    ]

    activated = api.client.patch(f"/admin/users/{author['id']}/activate", headers=admin)
    assert activated.status_code == 200
    assert ids("") == ids(f"author_id={author['id']}") == ids("search=visible") == [post["id"]]
    assert (status(), status(bearer(reader))) == (200, 200)
