import uuid

import pytest

from tests.api.conftest import STRONG_PASSWORD, Api, bearer


def user_id(api: Api, token: str) -> str:
    return str(api.client.get("/users/me", headers=bearer(token)).json()["id"])


def admin_routes(target: str) -> list[tuple[str, str, dict[str, str] | None]]:
    return [
        ("GET", "/admin/users", None),
        ("GET", f"/admin/users/{target}", None),
        ("PATCH", f"/admin/users/{target}/activate", None),
        ("PATCH", f"/admin/users/{target}/deactivate", None),
        ("PATCH", f"/admin/users/{target}/role", {"role": "user"}),
        ("DELETE", f"/admin/users/{target}", None),
    ]


def test_anonymous_401_user_403_admin_2xx(api: Api, admin_token: str) -> None:
    user = api.registered_token("alice")
    target = user_id(api, api.registered_token("bob"))
    for method, path, body in admin_routes(target):
        anonymous = api.client.request(method, path, json=body)
        assert anonymous.status_code == 401, path
        refused = api.client.request(method, path, headers=bearer(user), json=body)
        assert (refused.status_code, refused.json()["code"]) == (403, "admin_required"), path
    for method, path, body in admin_routes(target):
        allowed = api.client.request(method, path, headers=bearer(admin_token), json=body)
        assert allowed.status_code in (200, 204), (path, allowed.text)


def test_unsupported_methods_are_405(api: Api, admin_token: str) -> None:
    assert api.client.put("/admin/users", headers=bearer(admin_token)).status_code == 405
    assert api.client.post(f"/admin/users/{uuid.uuid4()}/role").status_code == 405


def test_listing_includes_inactive_users_and_filters(api: Api, admin_token: str) -> None:
    bob = api.registered_token("bob")
    api.client.patch(
        "/users/me/deactivate", headers=bearer(bob), json={"password": STRONG_PASSWORD}
    )

    def names(query: str = "") -> list[str]:
        response = api.client.get(f"/admin/users{query}", headers=bearer(admin_token))
        assert response.status_code == 200, response.text
        return [user["username"] for user in response.json()["items"]]

    assert names() == ["bob", "root"]
    assert names("?include_inactive=false") == ["root"]
    assert names("?role=admin") == ["root"]
    assert names("?search=BO") == ["bob"]
    private = api.client.get("/admin/users", headers=bearer(admin_token)).json()["items"][0]
    assert {"email", "is_active", "role", "email_verified"} <= set(private)
    assert api.client.get("/admin/users?role=king", headers=bearer(admin_token)).status_code == 422


def test_deactivate_revokes_tokens_and_activate_reopens(api: Api, admin_token: str) -> None:
    bob = api.registered_token("bob")
    bob_id = user_id(api, bob)
    response = api.client.patch(f"/admin/users/{bob_id}/deactivate", headers=bearer(admin_token))
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    assert api.client.get("/users/me", headers=bearer(bob)).status_code in (401, 403)
    login = api.client.post("/auth/login", json={"username": "bob", "password": STRONG_PASSWORD})
    assert (login.status_code, login.json()["code"]) == (403, "account_inactive")
    response = api.client.patch(f"/admin/users/{bob_id}/activate", headers=bearer(admin_token))
    assert (response.status_code, response.json()["is_active"]) == (200, True)
    assert api.client.get("/users/me", headers=bearer(bob)).status_code == 401  # still revoked
    assert api.token("bob")


def test_a_demoted_admins_old_token_no_longer_opens_admin_routes(
    api: Api, admin_token: str
) -> None:
    bob = api.registered_token("bob")
    bob_id = user_id(api, bob)
    promoted = api.client.patch(
        f"/admin/users/{bob_id}/role", headers=bearer(admin_token), json={"role": "admin"}
    )
    assert promoted.json()["role"] == "admin"
    bob_admin = api.token("bob")
    assert api.client.get("/admin/users", headers=bearer(bob_admin)).status_code == 200
    demoted = api.client.patch(
        f"/admin/users/{bob_id}/role", headers=bearer(admin_token), json={"role": "user"}
    )
    assert demoted.json()["role"] == "user"
    # The role change bumps the token version: the old token is refused outright (401).
    stale = api.client.get("/admin/users", headers=bearer(bob_admin))
    assert (stale.status_code, stale.json()["code"]) == (401, "invalid_token")
    fresh = api.token("bob")
    refused = api.client.get("/admin/users", headers=bearer(fresh))
    assert (refused.status_code, refused.json()["code"]) == (403, "admin_required")


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("PATCH", "/deactivate", None), ("PATCH", "/role", {"role": "user"}), ("DELETE", "", None)],
)
def test_the_last_admin_stays(
    api: Api, admin_token: str, method: str, suffix: str, body: dict[str, str] | None
) -> None:
    root_id = user_id(api, admin_token)
    response = api.client.request(
        method, f"/admin/users/{root_id}{suffix}", headers=bearer(admin_token), json=body
    )
    assert (response.status_code, response.json()["code"]) == (409, "last_admin")
    me = api.client.get("/users/me", headers=bearer(admin_token)).json()
    assert (me["role"], me["is_active"]) == ("admin", True)


def test_the_last_admin_cannot_leave_by_themself(api: Api, admin_token: str) -> None:
    for method, path in (("PATCH", "/users/me/deactivate"), ("DELETE", "/users/me")):
        response = api.client.request(
            method, path, headers=bearer(admin_token), json={"password": STRONG_PASSWORD}
        )
        assert (response.status_code, response.json()["code"]) == (409, "last_admin")


def test_role_body_is_validated(api: Api, admin_token: str) -> None:
    target = user_id(api, api.registered_token("bob"))
    for body in ({"role": "king"}, {}, {"role": "admin", "is_active": False}):
        response = api.client.patch(
            f"/admin/users/{target}/role", headers=bearer(admin_token), json=body
        )
        assert response.status_code == 422


def test_unknown_users_are_404(api: Api, admin_token: str) -> None:
    for method, path, body in admin_routes(str(uuid.uuid4())):
        if path == "/admin/users":
            continue
        response = api.client.request(method, path, headers=bearer(admin_token), json=body)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path


def test_deleting_a_user_removes_their_tasks_and_posts(api: Api, admin_token: str) -> None:
    bob = api.registered_token("bob")
    bob_id = user_id(api, bob)
    post = api.client.post(
        "/posts",
        headers=bearer(bob),
        json={"title": "Bob's post", "content": "Long enough content here.", "published": True},
    ).json()
    api.client.post("/tasks", headers=bearer(bob), json={"title": "Bob's task"})
    assert (
        api.client.delete(f"/admin/users/{bob_id}", headers=bearer(admin_token)).status_code == 204
    )
    assert api.client.get(f"/posts/{post['id']}").status_code == 404
    assert api.client.get("/posts").json()["items"] == []
    assert api.client.get(f"/admin/users/{bob_id}", headers=bearer(admin_token)).status_code == 404
    login = api.client.post("/auth/login", json={"username": "bob", "password": STRONG_PASSWORD})
    assert login.status_code == 401


def test_deleting_my_account_removes_my_tasks_and_posts(api: Api) -> None:
    bob = api.registered_token("bob")
    post = api.client.post(
        "/posts",
        headers=bearer(bob),
        json={"title": "Bob's post", "content": "Long enough content here.", "published": True},
    ).json()
    response = api.client.request(
        "DELETE", "/users/me", headers=bearer(bob), json={"password": STRONG_PASSWORD}
    )
    assert response.status_code == 204
    assert api.client.get(f"/posts/{post['id']}").status_code == 404
