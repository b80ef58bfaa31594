"""Hostile input: whatever a client sends, the answer is a 4xx with the contract's body, never a 5xx."""

import asyncio
import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from interfaces.http.middleware import MAX_BODY_BYTES, EdgeMiddleware
from tests.api.conftest import STRONG_PASSWORD, Api, bearer

JSON = {"Content-Type": "application/json"}
LONG = "x" * 10_000
SECRET = "s" * 10_000  # a 10 000-character password or token, which must never be echoed
CHUNK = 64 * 1024


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def assert_client_error(response: Any) -> None:
    assert 400 <= response.status_code < 500, response.text


@pytest.fixture
def token(api: Api) -> str:
    return api.registered_token("alice")


@pytest.fixture
def task_id(client: TestClient, token: str) -> str:
    response = client.post("/tasks", json={"title": "mine"}, headers=bearer(token))
    return str(response.json()["id"])


# --- body size ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/auth/register", "/auth/login", "/tasks", "/nowhere"])
def test_a_declared_body_over_1_mib_is_refused_with_413(client: TestClient, path: str) -> None:
    response = client.post(path, content=b"{" + b" " * MAX_BODY_BYTES + b"}", headers=JSON)
    assert_error(response, 413, "payload_too_large")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_body_of_exactly_1_mib_is_not_refused_for_its_size(client: TestClient) -> None:
    body = b'{"title": "' + b"x" * (MAX_BODY_BYTES - 13) + b'"}'
    assert len(body) == MAX_BODY_BYTES
    response = client.post("/auth/register", content=body, headers=JSON)
    assert response.status_code == 422  # read and validated: too big for the fields, not the limit


def chunks(total: int) -> Iterator[bytes]:
    while total > 0:
        yield b" " * min(CHUNK, total)
        total -= CHUNK


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/auth/register", "application/json"),
        ("/tasks", "application/json"),
        ("/auth/token", "application/x-www-form-urlencoded"),
        ("/auth/token", "multipart/form-data; boundary=xyz"),
    ],
)
def test_a_chunked_body_over_1_mib_is_refused_with_413(
    client: TestClient, token: str, path: str, content_type: str
) -> None:
    # A generator body goes out chunked, with no Content-Length for the middleware to check.
    response = client.post(
        path,
        content=chunks(2 * MAX_BODY_BYTES),
        headers={"Content-Type": content_type, **bearer(token)},
    )
    assert_error(response, 413, "payload_too_large")


def test_the_limit_counts_the_stream_and_stops_reading_it_without_buffering() -> None:
    """At the ASGI level: no Content-Length, 64 KiB chunks; reading stops right after 1 MiB."""
    reads = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": True}  # endless

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "query_string": b""}
    asyncio.run(EdgeMiddleware(app)(scope, receive, send))
    assert reads == MAX_BODY_BYTES // CHUNK + 1
    assert sent[0]["status"] == 413
    assert b"payload_too_large" in sent[1]["body"]


@pytest.mark.parametrize("length", ["abc", "9" * 5000])
def test_an_absurd_content_length_is_no_500(client: TestClient, length: str) -> None:
    response = client.post("/auth/login", content=b"{}", headers={**JSON, "Content-Length": length})
    assert_client_error(response)


# --- malformed JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        '{"title": ' + "[" * 10_000 + "]" * 10_000 + "}",
    ],
    ids=["arrays", "objects", "inside-a-field"],
)
@pytest.mark.parametrize("path", ["/auth/register", "/tasks"])
def test_deeply_nested_json_is_a_4xx(client: TestClient, token: str, path: str, body: str) -> None:
    assert_client_error(client.post(path, content=body, headers={**JSON, **bearer(token)}))


@pytest.mark.parametrize(
    "body",
    [b'{"title": "\xff\xfe"}', b'{"username": "\xc3\x28abc", "password": "x"}', b"\x80{}"],
)
@pytest.mark.parametrize("path", ["/auth/login", "/tasks"])
def test_invalid_utf8_is_a_4xx(client: TestClient, token: str, path: str, body: bytes) -> None:
    assert_client_error(client.post(path, content=body, headers={**JSON, **bearer(token)}))


@pytest.mark.parametrize("query", ["search=%ff%fe", "search=%ED%A0%80", "cursor=%ff"])
def test_invalid_utf8_in_the_query_is_no_500(client: TestClient, token: str, query: str) -> None:
    response = client.get(f"/tasks?{query}", headers=bearer(token))
    assert response.status_code < 500


@pytest.mark.parametrize("body", ["", "[1, 2]", '"x"', "null", '{"title":'])
def test_json_that_is_no_object_is_a_422(client: TestClient, token: str, body: str) -> None:
    response = client.post("/tasks", content=body, headers={**JSON, **bearer(token)})
    assert response.status_code == 422


# --- NUL bytes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/auth/register", {"username": "bob", "email": "b\x00@example.com"}),
        ("POST", "/auth/register", {"username": "bob", "full_name": "B\x00b"}),
        ("POST", "/auth/register", {"username": "bob", "password": STRONG_PASSWORD + "\x00"}),
        ("POST", "/auth/login", {"username": "ali\x00ce", "password": STRONG_PASSWORD}),
        ("POST", "/auth/login", {"email": "alice\x00@example.com", "password": "x"}),
        ("POST", "/auth/forgot-password", {"email": "alice\x00@example.com"}),
        ("POST", "/auth/refresh", {"refresh_token": "abc\x00"}),
        ("POST", "/auth/verify", {"token": "abc\x00"}),
        ("POST", "/tasks", {"title": "a\x00b"}),
        ("POST", "/tasks", {"title": "ab", "description": "a\x00b"}),
        ("POST", "/posts", {"title": "hello\x00world", "content": "c" * 30}),
        ("POST", "/posts", {"title": "hello world", "content": "c\x00" * 30}),
        ("PATCH", "/users/me", {"full_name": "a\x00b"}),
    ],
)
def test_a_nul_inside_a_body_string_is_a_422(
    client: TestClient, token: str, method: str, path: str, body: dict[str, Any]
) -> None:
    # Defaults make every body otherwise valid, so the NUL is what is refused.
    if path == "/auth/register":
        body = {"email": "bob@example.com", "password": STRONG_PASSWORD, **body}
    response = client.request(method, path, json=body, headers=bearer(token))
    assert response.status_code == 422, response.text
    (field,) = [name for name, value in body.items() if "\x00" in str(value)]
    assert refused(response) == [(["body", field], NUL_REFUSED)]
    assert STRONG_PASSWORD not in response.text  # a rejected password is never echoed


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/auth/register", {"username": "bo\x00b"}),
        ("PATCH", "/users/me", {"username": "a\x00b"}),
    ],
)
def test_a_nul_in_a_new_username_fails_the_username_pattern(
    client: TestClient, token: str, method: str, path: str, body: dict[str, Any]
) -> None:
    """The pattern (ASCII letters, digits, `_.-`) refuses a NUL before the NUL filter sees it."""
    if path == "/auth/register":
        body = {"email": "bob@example.com", "password": STRONG_PASSWORD, **body}
    response = client.request(method, path, json=body, headers=bearer(token))
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", "username"], "string_pattern_mismatch")
    ]


def test_a_nul_in_the_token_form_is_a_422(client: TestClient) -> None:
    response = client.post("/auth/token", data={"username": "ali\x00ce", "password": "x"})
    assert response.status_code == 422
    assert refused(response) == [(["body", "username"], NUL_REFUSED)]


NUL_REFUSED = "Value error, must not contain NUL characters"


def refused(response: Any) -> list[tuple[list[str], str]]:
    """Which fields a 422 refused, and why."""
    return [(error["loc"], error["msg"]) for error in response.json()["detail"]]


@pytest.mark.parametrize(
    "url",
    [
        "/tasks?search=a%00b",
        "/users?search=a%00b",
        "/posts?search=a%00b",
        "/admin/users?search=a%00b",
        "/tasks?cursor=a%00b",
        "/tasks/abc%00def",
        "/users/00000000-0000-0000-0000-00000000000%00",
    ],
)
def test_a_nul_in_the_url_is_a_400(client: TestClient, token: str, url: str) -> None:
    assert_error(client.get(url, headers=bearer(token)), 400, "bad_request")


@pytest.mark.parametrize(
    "url", ["/posts/%0A", "/users/me%0A", "/tasks%0A", "/posts/a%09b", "/health%7F"]
)
def test_a_control_character_in_the_path_is_a_400(client: TestClient, token: str, url: str) -> None:
    """Found by the fuzzer: routing's `$` matches before a trailing newline, so `/posts/%0A` was
    answered by the list at `/posts/`."""
    assert_error(client.get(url, headers=bearer(token)), 400, "bad_request")


# --- huge numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["1e400", "1" * 1001, "9" * 5000, "-" + "9" * 1001, "NaN"])
@pytest.mark.parametrize("path", ["/tasks", "/users", "/posts"])
def test_a_huge_limit_is_a_422(client: TestClient, token: str, path: str, limit: str) -> None:
    response = client.get(path, params={"limit": limit}, headers=bearer(token))
    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        '{"title": "a", "completed": ' + "9" * 1001 + "}",
        '{"title": ' + "9" * 5000 + "}",
        '{"title": "a", "priority": ' + "9" * 1001 + "}",
        '{"title": "a", "due_date": ' + "9" * 5000 + "}",
        '{"title": "a", "due_date": "99999-01-01"}',
    ],
)
def test_a_huge_number_in_a_body_is_a_4xx(client: TestClient, token: str, body: str) -> None:
    assert_client_error(client.post("/tasks", content=body, headers={**JSON, **bearer(token)}))


# The rejected value is echoed back in the 422 body, and JSON has no inf/NaN nor lone surrogates:
# the validation handler must make `input` JSON-safe rather than fail with a 500.
@pytest.mark.parametrize(
    "body",
    [
        '{"title": "a", "completed": 1e400}',
        '{"title": "a", "completed": NaN}',
        '{"title": "a", "completed": -Infinity}',
        '{"title": "\\ud800"}',
    ],
)
def test_a_value_json_cannot_echo_is_a_4xx(client: TestClient, token: str, body: str) -> None:
    response = client.post("/tasks", content=body, headers={**JSON, **bearer(token)})
    assert_client_error(response)


# --- 10 000-character fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/auth/register", {"username": LONG}),
        ("POST", "/auth/register", {"email": LONG + "@example.com"}),
        ("POST", "/auth/register", {"password": SECRET}),
        ("POST", "/auth/register", {"full_name": LONG}),
        ("POST", "/auth/login", {"username": LONG, "password": SECRET}),
        ("POST", "/auth/forgot-password", {"email": LONG}),
        ("POST", "/auth/refresh", {"refresh_token": SECRET}),
        ("POST", "/auth/logout", {"refresh_token": SECRET}),
        ("POST", "/auth/verify", {"token": SECRET}),
        ("POST", "/auth/reset-password", {"token": SECRET, "new_password": STRONG_PASSWORD}),
        ("POST", "/auth/reset-password", {"token": "t", "new_password": SECRET}),
        ("POST", "/tasks", {"title": LONG}),
        ("POST", "/tasks", {"title": "a", "description": LONG}),
        ("POST", "/posts", {"title": LONG, "content": "c" * 30}),
        ("PATCH", "/users/me", {"full_name": LONG}),
        ("PATCH", "/users/me", {"email": LONG}),
        ("PATCH", "/users/me/password", {"current_password": SECRET, "new_password": SECRET}),
        ("PATCH", "/users/me/deactivate", {"password": SECRET}),
        ("DELETE", "/users/me", {"password": SECRET}),
    ],
)
def test_a_10_000_character_field_is_a_422(
    client: TestClient, token: str, method: str, path: str, body: dict[str, Any]
) -> None:
    if path == "/auth/register":
        body = {"username": "bob", "email": "bob@example.com", "password": STRONG_PASSWORD, **body}
    response = client.request(method, path, json=body, headers=bearer(token))
    assert response.status_code == 422, response.text
    assert SECRET not in response.text


def test_10_000_character_fields_in_the_token_form_are_a_422(client: TestClient) -> None:
    response = client.post("/auth/token", data={"username": LONG, "password": SECRET})
    assert response.status_code == 422
    assert SECRET not in response.text


@pytest.mark.parametrize(
    "url",
    [
        f"/tasks?search={LONG}",
        f"/tasks?cursor={LONG}",
        f"/posts?search={LONG}",
        f"/users?search={LONG}",
        f"/tasks/{LONG}",
        f"/posts/{LONG}",
        f"/users/{LONG}",
    ],
)
def test_a_10_000_character_query_or_id_is_a_422(client: TestClient, token: str, url: str) -> None:
    assert client.get(url, headers=bearer(token)).status_code == 422


@pytest.mark.parametrize("header", ["User-Agent", "X-Forwarded-For", "X-Anything"])
def test_10_000_character_headers_are_no_500(
    client: TestClient, token: str, task_id: str, header: str
) -> None:
    response = client.get(f"/tasks/{task_id}", headers={**bearer(token), header: LONG})
    assert response.status_code == 200


# --- content types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ('{"title": "a"}', "text/plain"),
        ("<task><title>a</title></task>", "application/xml"),
        ("title=a", "application/x-www-form-urlencoded"),
        (
            "--b\r\nContent-Disposition: form-data; name=title\r\n\r\na\r\n--b--",
            "multipart/form-data; boundary=b",
        ),
        ('{"title": "a"}', None),
    ],
)
def test_a_body_that_is_not_json_is_a_4xx(
    client: TestClient, token: str, content: str, content_type: str | None
) -> None:
    headers = bearer(token) | ({"Content-Type": content_type} if content_type else {})
    response = client.post("/tasks", content=content, headers=headers)
    assert_client_error(response)
    assert client.get("/tasks", headers=bearer(token)).json()["items"] == []


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ('{"username": "alice", "password": "x"}', "application/json"),
        (b"--xx\r\ngarbage", "multipart/form-data; boundary=xx"),
        (b"garbage", "multipart/form-data"),
        (b"\xff\xfe=\xff", "application/x-www-form-urlencoded"),
    ],
)
def test_the_token_form_refuses_other_bodies_with_a_4xx(
    client: TestClient, content: str | bytes, content_type: str
) -> None:
    response = client.post("/auth/token", content=content, headers={"Content-Type": content_type})
    assert_client_error(response)


# --- Authorization header ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["Bearer " + "a" * 100_000, "Bearer " + "a.b." * 25_000, "x" * 100_000, "Bearer a\tb"],
)
def test_a_huge_or_odd_authorization_header_is_a_generic_401(
    client: TestClient, authorization: str
) -> None:
    response = client.get("/users/me", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] in {"invalid_token", "not_authenticated"}
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "aaaa" not in response.text


# --- hardening headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/users/me", "/nowhere", "/openapi.json"])
def test_api_responses_forbid_framing_and_any_active_content(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp


def test_swagger_ui_may_load_exactly_its_own_code(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    scripts = directives["script-src"].split()
    assert scripts[0] == "'self'"  # Tessera serves Swagger UI itself: no CDN
    assert len(scripts) == 2  # and its one inline script, by hash
    assert scripts[1].startswith("'sha256-")
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in csp
    assert "https:" not in csp  # nothing from elsewhere
    assert directives["connect-src"] == "'self'"  # it fetches /openapi.json
    assert directives["frame-ancestors"] == "'none'"
    assert "https://" not in response.text
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("page", "asset"),
    [
        ("/docs", "swagger-ui-bundle.js"),
        ("/docs", "swagger-ui.css"),
        ("/redoc", "redoc.standalone.js"),
    ],
)
def test_the_documentation_pages_assets_are_served_by_tessera(
    client: TestClient, page: str, asset: str
) -> None:
    url = re.search(rf'"(/[^"]*/{re.escape(asset)})"', client.get(page).text)
    assert url is not None, f"{page} does not load {asset} from Tessera"
    response = client.get(url.group(1))
    assert response.status_code == 200
    assert len(response.content) > 100_000


def test_the_inline_script_hash_matches_the_page(client: TestClient) -> None:
    response = client.get("/docs")
    script = re.search(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["content-security-policy"]


def test_redoc_may_load_its_bundle_and_nothing_from_elsewhere(client: TestClient) -> None:
    response = client.get("/redoc")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "https:" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "https://" not in response.text  # no CDN, no web font from elsewhere
