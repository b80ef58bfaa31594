import uuid

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import STRONG_PASSWORD, Api, bearer

NEW_PASSWORD = "another fine passphrase 42"


class TestMe:
    def test_reads_the_private_profile(self, api: Api) -> None:
        token = api.registered_token()
        response = api.client.get("/users/me", headers=bearer(token))
        assert response.status_code == 200
        assert response.json()["username"] == "alice"
        # Whether the account has a password, never the password or its hash.
        assert {key for key in response.json() if "password" in key} == {"has_password"}
        assert "password_hash" not in response.text
        assert "$argon2" not in response.text

    def test_update_changes_only_the_fields_sent(self, api: Api) -> None:
        token = api.registered_token()
        response = api.client.patch("/users/me", headers=bearer(token), json={"full_name": "Alice"})
        assert response.status_code == 200
        assert (response.json()["full_name"], response.json()["username"]) == ("Alice", "alice")
        response = api.client.patch(
            "/users/me", headers=bearer(token), json={"email": "New@Example.com"}
        )
        assert (response.json()["email"], response.json()["email_verified"]) == (
            "new@example.com",
            False,
        )

    def test_update_conflicts_and_validation(self, api: Api) -> None:
        api.register("bob")
        token = api.registered_token()
        taken = api.client.patch("/users/me", headers=bearer(token), json={"username": "BOB"})
        assert (taken.status_code, taken.json()["code"]) == (409, "username_taken")
        null = api.client.patch("/users/me", headers=bearer(token), json={"username": None})
        assert null.status_code == 422

    @pytest.mark.parametrize(
        "field",
        [
            {"role": "admin"},
            {"is_active": False},
            {"email_verified": True},
            {"id": str(uuid.uuid4())},
            {"password_hash": "x"},
            {"token_version": 0},
        ],
    )
    def test_mass_assignment_is_refused_and_changes_nothing(
        self, api: Api, field: dict[str, object]
    ) -> None:
        token = api.registered_token()
        before = api.client.get("/users/me", headers=bearer(token)).json()
        response = api.client.patch("/users/me", headers=bearer(token), json=field)
        assert response.status_code == 422
        assert api.client.get("/users/me", headers=bearer(token)).json() == before


class TestChangePassword:
    def test_issues_a_fresh_pair_and_revokes_earlier_tokens_at_once(self, api: Api) -> None:
        token = api.registered_token()
        other_device = api.token()
        response = api.client.patch(
            "/users/me/password",
            headers=bearer(token),
            json={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert response.status_code == 200
        assert set(response.json()) == {"access_token", "token_type", "expires_in", "refresh_token"}
        assert response.headers["cache-control"] == "no-store"
        # Within the same second as issuance: the version claim, not the clock, decides.
        for old in (token, other_device):
            rejected = api.client.get("/users/me", headers=bearer(old))
            assert rejected.status_code == 401
            assert rejected.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        fresh = response.json()["access_token"]
        assert api.client.get("/users/me", headers=bearer(fresh)).status_code == 200
        assert api.token(password=NEW_PASSWORD)

    def test_a_wrong_current_password_is_a_400_and_changes_nothing(self, api: Api) -> None:
        token = api.registered_token()
        body = {"current_password": "not my password", "new_password": NEW_PASSWORD}
        response = api.client.patch("/users/me/password", headers=bearer(token), json=body)
        assert (response.status_code, response.json()["code"]) == (400, "invalid_current_password")
        assert api.client.get("/users/me", headers=bearer(token)).status_code == 200
        assert api.token(password=STRONG_PASSWORD)

    def test_a_missing_current_password_is_a_422_naming_it(self, api: Api) -> None:
        token = api.registered_token()
        body = {"new_password": NEW_PASSWORD}
        response = api.client.patch("/users/me/password", headers=bearer(token), json=body)
        assert response.status_code == 422
        assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
            (["body", "current_password"], "missing")
        ]
        assert api.client.get("/users/me", headers=bearer(token)).status_code == 200
        assert api.token(password=STRONG_PASSWORD)

    @pytest.mark.parametrize("new", [STRONG_PASSWORD, "password123", "alice-the-great-one"])
    def test_new_password_follows_the_policy(self, api: Api, new: str) -> None:
        token = api.registered_token()
        response = api.client.patch(
            "/users/me/password",
            headers=bearer(token),
            json={"current_password": STRONG_PASSWORD, "new_password": new},
        )
        assert response.status_code == 422
        assert new not in response.text


class TestDeactivateAndDelete:
    def test_deactivation_revokes_tokens_and_blocks_login(self, api: Api) -> None:
        token = api.registered_token()
        wrong = api.client.patch(
            "/users/me/deactivate", headers=bearer(token), json={"password": "not my password"}
        )
        assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_current_password")
        response = api.client.patch(
            "/users/me/deactivate", headers=bearer(token), json={"password": STRONG_PASSWORD}
        )
        assert response.status_code == 204
        # Deactivation revokes every session: the token is refused outright, not merely forbidden.
        revoked = api.client.get("/users/me", headers=bearer(token))
        assert (revoked.status_code, revoked.json()["code"]) == (401, "invalid_token")
        login = api.client.post(
            "/auth/login", json={"username": "alice", "password": STRONG_PASSWORD}
        )
        assert (login.status_code, login.json()["code"]) == (403, "account_inactive")
        wrong_login = api.client.post(
            "/auth/login", json={"username": "alice", "password": "not my password"}
        )
        assert wrong_login.status_code == 401

    def test_delete_removes_the_account(self, api: Api) -> None:
        token = api.registered_token()
        user_id = api.client.get("/users/me", headers=bearer(token)).json()["id"]
        response = api.client.request(
            "DELETE", "/users/me", headers=bearer(token), json={"password": STRONG_PASSWORD}
        )
        assert response.status_code == 204
        assert api.client.get("/users/me", headers=bearer(token)).status_code == 401
        other = api.registered_token("bob")
        assert api.client.get(f"/users/{user_id}", headers=bearer(other)).status_code == 404
        login = api.client.post(
            "/auth/login", json={"username": "alice", "password": STRONG_PASSWORD}
        )
        assert login.status_code == 401


class TestDirectory:
    def test_lists_active_users_publicly_with_and_without_slash(self, api: Api) -> None:
        api.register("bob", full_name="Bob B.")
        token = api.registered_token()
        for path in ("/users", "/users/"):
            response = api.client.get(path, headers=bearer(token))
            assert response.status_code == 200
            body = response.json()
            assert set(body) == {"items", "next_cursor"}
            assert [user["username"] for user in body["items"]] == ["alice", "bob"]
            assert all(
                set(user) == {"id", "username", "full_name", "created_at"} for user in body["items"]
            )
            assert "@example.com" not in response.text

    def test_paginates_by_cursor(self, api: Api) -> None:
        for number in range(5):
            api.register(f"user{number}")
        token = api.registered_token()
        seen, cursor = [], None
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            body = api.client.get("/users", headers=bearer(token), params=params).json()
            seen += [user["username"] for user in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == ["alice", "user4", "user3", "user2", "user1", "user0"]

    @pytest.mark.parametrize("limit", ["0", "101", "abc", "-1"])
    def test_limit_out_of_range_is_422(self, api: Api, limit: str) -> None:
        token = api.registered_token()
        assert api.client.get(f"/users?limit={limit}", headers=bearer(token)).status_code == 422

    def test_malformed_cursor_is_400(self, api: Api) -> None:
        token = api.registered_token()
        response = api.client.get("/users?cursor=not-a-cursor", headers=bearer(token))
        assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")

    def test_search_is_literal(self, api: Api) -> None:
        api.register("ab_cd")
        api.register("abxcd")
        token = api.registered_token()
        body = api.client.get("/users?search=B_C", headers=bearer(token)).json()
        assert [user["username"] for user in body["items"]] == ["ab_cd"]

    def test_reads_one_public_user_and_hides_inactive_ones(self, api: Api) -> None:
        bob = api.register("bob")
        token = api.registered_token()
        response = api.client.get(f"/users/{bob['id']}", headers=bearer(token))
        assert response.status_code == 200
        assert set(response.json()) == {"id", "username", "full_name", "created_at"}
        bob_token = api.token("bob")
        api.client.patch(
            "/users/me/deactivate", headers=bearer(bob_token), json={"password": STRONG_PASSWORD}
        )
        missing = api.client.get(f"/users/{bob['id']}", headers=bearer(token))
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
        unknown = api.client.get(f"/users/{uuid.uuid4()}", headers=bearer(token))
        assert unknown.status_code == 404


class TestAuthenticationIsRequired:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/users/me"),
            ("PATCH", "/users/me"),
            ("GET", "/users"),
            ("GET", "/users/00000000-0000-4000-8000-000000000000"),
        ],
    )
    def test_without_a_token_401_with_a_plain_challenge(
        self, client: TestClient, method: str, path: str
    ) -> None:
        response = client.request(method, path)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert set(response.json()) == {"detail", "code"}

    def test_a_token_in_the_query_string_is_ignored(self, api: Api) -> None:
        token = api.registered_token()
        response = api.client.get(f"/users/me?access_token={token}")
        assert response.status_code == 401
        response = api.client.get(f"/users/me?token={token}")
        assert response.status_code == 401
