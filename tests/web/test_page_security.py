"""Security properties 57-63 of the pages, over HTTP: the cookie, CSRF, the API's bearer-only rule,
the headers every page carries."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import STRONG_PASSWORD
from tests.web.conftest import browser, form_token, log_in, register

# The only script a page may have: a file Tessera serves, deferred (the passkeys' script).
SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
OWN_SCRIPT = re.compile(r'<script src="/app/static/[a-z]+\.js" defer></script>')
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def session_cookies(response_headers: list[str]) -> list[str]:
    return [header for header in response_headers if "tessera_session=" in header]


def api_login_works(client: TestClient, username: str = "alice") -> bool:
    response = client.post("/auth/login", json={"username": username, "password": STRONG_PASSWORD})
    return bool(response.status_code == 200)


# --- 58: CSRF token and Origin --------------------------------------------------------------


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(client: TestClient) -> None:
    form_token(client, "/app/register")  # the browser has its CSRF cookie
    form = {"username": "mallory", "email": "m@example.com", "password": STRONG_PASSWORD}
    response = client.post("/app/register", data=form)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "Nothing was changed" in response.text
    assert not api_login_works(client, "mallory")


def test_a_token_made_for_another_browser_is_refused(tmp_path: Path) -> None:
    with browser(tmp_path) as attacker, browser(tmp_path) as victim:
        stolen = form_token(attacker, "/app/register")
        form_token(victim, "/app/register")
        form = {
            "csrf_token": stolen,
            "username": "mallory",
            "email": "m@example.com",
            "password": STRONG_PASSWORD,
        }
        assert victim.post("/app/register", data=form).status_code == 403
        assert not api_login_works(victim, "mallory")


def test_a_token_without_its_cookie_is_refused(client: TestClient) -> None:
    token = form_token(client)
    client.cookies.clear()
    form = {"csrf_token": token, "login": "alice", "password": STRONG_PASSWORD}
    assert client.post("/app/login", data=form).status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},
        {"Origin": "http://testserver.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_post_from_another_origin_is_refused_even_with_a_valid_token(
    client: TestClient, headers: dict[str, str]
) -> None:
    register(client)
    log_in(client)
    token = form_token(client, "/app/")
    response = client.post("/app/logout", data={"csrf_token": token}, headers=headers)
    assert response.status_code == 403
    assert client.get("/app/").text.count("Log out") == 1  # still signed in


def test_a_post_from_this_origin_passes(client: TestClient) -> None:
    register(client)
    log_in(client)
    token = form_token(client, "/app/")
    headers = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    response = client.post("/app/logout", data={"csrf_token": token}, headers=headers)
    assert response.status_code == 303
    assert "Log out" not in client.get("/app/").text


def test_logout_ends_the_session_for_good(client: TestClient) -> None:
    register(client)
    log_in(client)
    stolen = client.cookies.get("tessera_session")
    client.post("/app/logout", data={"csrf_token": form_token(client, "/app/")})
    client.cookies.set("tessera_session", stolen or "")
    assert "Log out" not in client.get("/app/").text


# --- 57: the cookie ---------------------------------------------------------------------------


def test_the_session_cookie_is_opaque_httponly_lax_and_new_at_every_login(
    client: TestClient,
) -> None:
    register(client)
    values = []
    for _ in range(2):
        client.cookies.delete("tessera_session")  # a signed-in browser is sent past the login page
        token = form_token(client)
        form = {"csrf_token": token, "login": "alice", "password": STRONG_PASSWORD}
        response = client.post("/app/login", data=form)
        [cookie] = session_cookies(response.headers.get_list("set-cookie"))
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in attributes
        assert "samesite=lax" in attributes
        assert "path=/" in attributes
        assert "secure" not in attributes  # plain http: a Secure cookie would never come back
        value = cookie.split(";")[0].split("=", 1)[1]
        assert "." not in value  # not a JWT
        assert len(value) >= 43  # 256 bits
        values.append(value)
    assert values[0] != values[1]


def test_on_https_the_cookies_are_secure_and_host_prefixed(tmp_path: Path) -> None:
    with browser(tmp_path, public_base_url="https://tessera.example") as client:
        page = client.get("/app/register")
        [csrf_cookie] = page.headers.get_list("set-cookie")
        assert csrf_cookie.startswith("__Host-tessera_csrf=")
        assert "secure" in csrf_cookie.lower()
        register(client)
        token = form_token(client)
        form = {"csrf_token": token, "login": "alice", "password": STRONG_PASSWORD}
        response = client.post("/app/login", data=form)
        [cookie] = session_cookies(response.headers.get_list("set-cookie"))
        assert cookie.startswith("__Host-tessera_session=")
        assert "secure" in cookie.lower()
        assert "domain=" not in cookie.lower()


# --- 59: bearer only --------------------------------------------------------------------------


def test_the_json_api_never_accepts_the_cookie(client: TestClient) -> None:
    register(client)
    log_in(client)
    assert "tessera_session" in client.cookies
    assert client.get("/users/me").status_code == 401
    assert client.get("/tasks").status_code == 401
    key = client.cookies.get("tessera_session")
    response = client.get("/users/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


# --- 61, 63: the headers of every page ------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/app/", "/app/login", "/app/register", "/app/no-such-page", "/app/account"]
)
def test_pages_allow_no_inline_script_and_no_framing(client: TestClient, path: str) -> None:
    if path == "/app/account":
        register(client)
        log_in(client)
    response = client.get(path)
    assert response.status_code in (200, 404), response.text
    policy = response.headers["content-security-policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'none'"
    assert "unsafe" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    scripts = SCRIPT_TAG.findall(response.text)
    assert all(OWN_SCRIPT.fullmatch(script) for script in scripts), scripts
    assert response.text.lower().count("<script") == len(scripts)
    assert not INLINE_HANDLER.search(response.text)  # no onclick="…" either


def test_a_login_only_ever_sends_the_person_back_to_a_page_of_tessera(client: TestClient) -> None:
    register(client)
    for target, landing in [
        ("/app/tasks?completed=false", "/app/tasks?completed=false"),
        ("//evil.example/app/", "/app/"),
        ("https://evil.example/", "/app/"),
        ("/app/\\\\evil.example", "/app/"),
        ("/docs", "/app/"),
    ]:
        client.cookies.delete("tessera_session")
        token = form_token(client)
        form = {"csrf_token": token, "login": "alice", "password": STRONG_PASSWORD, "next": target}
        response = client.post("/app/login", data=form)
        assert response.headers["location"] == landing


# --- the way in -------------------------------------------------------------------------------


def test_the_root_leads_to_the_pages(client: TestClient) -> None:
    for path in ("/", "/app"):
        response = client.get(path)
        assert response.status_code == 307
        assert response.headers["location"] == "/app/"


def test_web_ui_false_removes_the_pages(tmp_path: Path) -> None:
    with browser(tmp_path, web_ui=False) as client:
        assert client.get("/app/").status_code == 404
        assert client.get("/").status_code == 404
        assert client.get("/health").status_code == 200


def test_a_page_that_needs_a_login_redirects_to_it_and_back(client: TestClient) -> None:
    response = client.get("/app/tasks?completed=true")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/login?next=/app/tasks%3Fcompleted%3Dtrue"
