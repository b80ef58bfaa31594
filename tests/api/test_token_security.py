"""TOKENS 1-15 of SECURITY.md, through HTTP: every bad bearer token is a generic 401."""

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from infrastructure.security.jwt_keys import key_id
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.api.conftest import Api, bearer, make_settings

SECRET = "a-test-secret-that-is-long-enough-0123456789"
SECRET_KID = key_id("HS256", SECRET.encode())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, secret_key=SECRET)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(build_container(settings))) as test_client:
        yield test_client


def b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def assert_rejected(client: TestClient, token: str) -> None:
    response = client.get("/users/me", headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.json() == {"detail": "Could not validate credentials.", "code": "invalid_token"}
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@pytest.fixture
def good(api: Api) -> str:
    token = api.registered_token()
    assert api.client.get("/users/me", headers=bearer(token)).status_code == 200
    return token


def resign(claims: dict[str, Any], key: str = SECRET, **headers: Any) -> str:
    """Signed with `key`, naming the service's key (as its own tokens do) unless told otherwise."""
    return jwt.encode(claims, key, algorithm="HS256", headers={"kid": SECRET_KID, **headers})


def test_tampered_payload(client: TestClient, good: str) -> None:
    header, _, signature = good.split(".")
    claims = claims_of(good)
    claims["role"] = "admin"
    assert_rejected(client, f"{header}.{b64(claims)}.{signature}")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none(client: TestClient, good: str, alg: str) -> None:
    unsigned = f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims_of(good))}."
    assert_rejected(client, unsigned)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("weak", ["secret", "changeme", "your-256-bit-secret", "tessera"])
def test_weak_or_tutorial_secrets(client: TestClient, good: str, weak: str) -> None:
    assert_rejected(client, resign(claims_of(good), weak))


@pytest.mark.parametrize(
    "headers",
    [
        {"jwk": {"kty": "oct", "k": b64(SECRET.encode())}},
        {"jku": "http://127.0.0.1:1/keys.json"},
        {"x5u": "http://127.0.0.1:1/cert.pem"},
        {"x5c": ["MIIB"]},
        {"kid": "../../../../dev/null"},
        {"crit": ["foo"], "foo": 1},
    ],
)
def test_dangerous_headers(client: TestClient, good: str, headers: dict[str, Any]) -> None:
    assert_rejected(client, resign(claims_of(good), **headers))


@pytest.mark.parametrize(
    "change",
    [
        {"exp": int(time.time()) - 10},
        {"iat": int(time.time()) + 3600},
        {"nbf": int(time.time()) + 3600},
        {"exp": "tomorrow"},
        {"iat": "now"},
        {"iss": "someone-else"},
        {"iss": "tess"},
        {"aud": "another-api"},
        {"sub": str(uuid.uuid4())},
        {"sub": 42},
        {"typ": "refresh"},
        {"ver": 99},
        {"sid": str(uuid.uuid4())},
    ],
)
def test_bad_claims(client: TestClient, good: str, change: dict[str, Any]) -> None:
    assert_rejected(client, resign({**claims_of(good), **change}))


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "iss", "aud", "typ", "ver", "sid"])
def test_missing_claims(client: TestClient, good: str, missing: str) -> None:
    claims = claims_of(good)
    del claims[missing]
    assert_rejected(client, resign(claims))


@pytest.mark.parametrize("garbage", ["garbage", "a.b", "a.b.c", "x" * 100_000, ".."])
def test_garbage_tokens(client: TestClient, good: str, garbage: str) -> None:
    assert_rejected(client, garbage)


def test_the_refresh_token_is_no_bearer_token(api: Api) -> None:
    api.register()
    refresh = api.login()["refresh_token"]
    assert_rejected(api.client, refresh)


def test_the_same_claims_resigned_still_work(client: TestClient, good: str) -> None:
    """The control for the tests above: only the altered part makes them fail."""
    response = client.get("/users/me", headers=bearer(resign(claims_of(good))))
    assert response.status_code == 200


# The read routes check the token's signature before their parameters (SignedIn), and read its
# session in the same step as their data.
SIGNED_IN_READS = ["/tasks?limit=0", "/tasks/not-a-uuid", "/posts/my?limit=0"]


@pytest.mark.parametrize("path", SIGNED_IN_READS)
def test_a_bad_token_is_refused_before_the_parameters_are_read(
    client: TestClient, good: str, path: str
) -> None:
    forged = resign(claims_of(good), key="another-secret-that-is-long-enough-9876543210")
    for headers in (bearer(forged), bearer("garbage"), {}):
        assert client.get(path, headers=headers).status_code == 401
    assert client.get(path, headers=bearer(good)).status_code == 422  # the control


def test_the_read_routes_refuse_a_token_of_a_logged_out_session(api: Api) -> None:
    api.register()
    session = api.login()
    token = session["access_token"]
    created = api.client.post("/tasks", json={"title": "Milk"}, headers=bearer(token))
    reads = ["/tasks", "/tasks?search=milk", f"/tasks/{created.json()['id']}", "/posts/my"]
    for path in reads:
        assert api.client.get(path, headers=bearer(token)).status_code == 200, path
    logout = api.client.post("/auth/logout", json={"refresh_token": session["refresh_token"]})
    assert logout.status_code == 204
    for path in reads:
        assert api.client.get(path, headers=bearer(token)).status_code == 401, path
