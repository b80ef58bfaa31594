import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import STRONG_PASSWORD, Api, bearer

USER_PRIVATE_FIELDS = {
    "id",
    "username",
    "email",
    "full_name",
    "role",
    "is_active",
    "email_verified",
    "mfa_enabled",
    "has_password",
    "created_at",
}


class TestRegister:
    def test_creates_a_private_user(self, client: TestClient) -> None:
        response = client.post(
            "/auth/register",
            json={
                "username": "Alice",
                "email": " Alice@Example.com",
                "password": STRONG_PASSWORD,
                "full_name": "Alice A.",
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert set(body) == USER_PRIVATE_FIELDS
        assert body["username"] == "Alice"
        assert body["email"] == "alice@example.com"
        assert (body["role"], body["is_active"], body["email_verified"]) == ("user", True, False)
        assert body["created_at"].endswith(("+00:00", "Z"))

    def test_taken_names_conflict(self, api: Api) -> None:
        api.register("alice")
        taken = api.client.post(
            "/auth/register",
            json={"username": "ALICE", "email": "x@example.com", "password": STRONG_PASSWORD},
        )
        assert (taken.status_code, taken.json()["code"]) == (409, "username_taken")
        taken = api.client.post(
            "/auth/register",
            json={"username": "bob", "email": "ALICE@example.com", "password": STRONG_PASSWORD},
        )
        assert (taken.status_code, taken.json()["code"]) == (409, "email_taken")

    @pytest.mark.parametrize(
        ("password", "rule"),
        [
            ("short1!", "at least 8"),
            ("1234567890123", "digits"),
            ("password123", "common"),
            ("alice-rules-the-world", "username"),
        ],
    )
    def test_password_policy_says_which_rule(
        self, client: TestClient, password: str, rule: str
    ) -> None:
        response = client.post(
            "/auth/register",
            json={"username": "alice", "email": "a@example.com", "password": password},
        )
        assert response.status_code == 422
        assert rule in response.text.lower()
        assert password not in response.text

    @pytest.mark.parametrize("length", [64, 128])
    def test_long_passphrases_work(self, api: Api, length: int) -> None:
        password = ("tessera passphrase " * 10)[:length]
        api.register("alice", password=password)
        assert api.token("alice", password)

    def test_a_megabyte_password_is_refused_without_echo(self, client: TestClient) -> None:
        password = "x" * 1_000_000
        response = client.post(
            "/auth/register",
            json={"username": "alice", "email": "a@example.com", "password": password},
        )
        assert response.status_code in (413, 422)
        assert "xxxxxxxx" not in response.text

    @pytest.mark.parametrize(
        "field",
        [
            {"role": "admin"},
            {"is_active": False},
            {"id": "x"},
            {"email_verified": True},
            {"password_hash": "x"},
        ],
    )
    def test_unknown_fields_are_refused(self, client: TestClient, field: dict[str, object]) -> None:
        body = {"username": "alice", "email": "a@example.com", "password": STRONG_PASSWORD}
        response = client.post("/auth/register", json={**body, **field})
        assert response.status_code == 422
        assert (
            client.post(
                "/auth/login", json={"username": "alice", "password": STRONG_PASSWORD}
            ).status_code
            == 401
        )

    def test_validation_errors_never_echo_a_password(self, client: TestClient) -> None:
        secret = "a secret that must not echo"
        response = client.post("/auth/register", json={"password": secret})
        assert response.status_code == 422
        assert secret not in response.text
        assert isinstance(response.json()["detail"], list)


class TestLogin:
    @pytest.mark.parametrize(
        "form",
        [
            {"username": "alice", "password": "pass-1", "client_secret": "secret-1" * 40},
            {"username": "", "password": "pass-2" * 200, "client_secret": "secret-2" * 40},
        ],
    )
    def test_the_token_forms_422_never_echoes_a_secret(
        self, client: TestClient, form: dict[str, str]
    ) -> None:
        response = client.post("/auth/token", data=form)
        assert response.status_code == 422
        for secret in ("pass-", "secret-"):
            assert secret not in response.text
        errors = response.json()["detail"]
        assert "client_secret" in {error["loc"][-1] for error in errors}

    def test_returns_a_token_pair_and_the_user_uncached(self, api: Api) -> None:
        api.register()
        response = api.client.post(
            "/auth/login", json={"username": "alice", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "user"}
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 15 * 60
        assert set(body["user"]) == USER_PRIVATE_FIELDS
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"
        assert "$argon2" not in response.text

    @pytest.mark.parametrize(
        "body",
        [{"username": "ALICE@example.com"}, {"email": "alice@example.com"}, {"username": "aLiCe"}],
    )
    def test_accepts_username_or_email_in_any_case(self, api: Api, body: dict[str, str]) -> None:
        api.register()
        response = api.client.post("/auth/login", json={**body, "password": STRONG_PASSWORD})
        assert response.status_code == 200

    def test_unknown_user_and_wrong_password_answer_identically(self, api: Api) -> None:
        api.register()
        wrong = api.client.post(
            "/auth/login", json={"username": "alice", "password": "wrong pass word"}
        )
        unknown = api.client.post(
            "/auth/login", json={"username": "nobody", "password": "wrong pass word"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert (
            wrong.json()
            == unknown.json()
            == {
                "detail": "Incorrect username or password.",
                "code": "invalid_credentials",
            }
        )
        wrong_headers = {k: v for k, v in wrong.headers.items() if k != "date"}
        unknown_headers = {k: v for k, v in unknown.headers.items() if k != "date"}
        assert wrong_headers == unknown_headers
        assert wrong.headers["www-authenticate"] == "Bearer"

    def test_no_truncation_of_long_passwords(self, api: Api) -> None:
        password = "a long passphrase that goes on " * 4  # 124 characters
        api.register(password=password[:100])
        for prefix in (64, 72):
            response = api.client.post(
                "/auth/login", json={"username": "alice", "password": password[:prefix]}
            )
            assert response.status_code == 401

    def test_nfkc_equal_password_logs_in_but_case_matters(self, api: Api) -> None:
        api.register(password="\ufb01ne tuned piano keys")
        assert api.token(password="fine tuned piano keys")
        response = api.client.post(
            "/auth/login", json={"username": "alice", "password": "FINE tuned piano keys"}
        )
        assert response.status_code == 401

    def test_oauth2_token_form(self, api: Api) -> None:
        api.register()
        response = api.client.post(
            "/auth/token", data={"username": "alice", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 200
        assert set(response.json()) == {"access_token", "token_type", "expires_in", "refresh_token"}
        assert response.headers["cache-control"] == "no-store"
        me = api.client.get("/users/me", headers=bearer(response.json()["access_token"]))
        assert me.status_code == 200

    def test_each_login_issues_distinct_tokens(self, api: Api) -> None:
        api.register()
        first, second = api.login(), api.login()
        assert first["access_token"] != second["access_token"]
        assert first["refresh_token"] != second["refresh_token"]
        assert len(first["refresh_token"]) >= 43  # 256 bits in base64url
