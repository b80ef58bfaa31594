"""The account and recovery pages' routes, over HTTP without a browser (the memory store).

What the browser tests show as flows, pinned here case by case: which status and message each
refusal gives, that opening a link spends nothing, that the token pages send no referrer, and
that a token never reaches a log line.
"""

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, bearer, make_settings
from tests.unit.fakes import RecordingEmailSender

NEW_PASSWORD = "a brand new passphrase 7"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def emails() -> RecordingEmailSender:
    return RecordingEmailSender()


@pytest.fixture
def client(tmp_path: Path, emails: RecordingEmailSender) -> Iterator[TestClient]:
    container = build_container(make_settings(tmp_path, database_url="memory://"))
    container.email_sender.override(providers.Object(emails))
    with TestClient(create_app(container), follow_redirects=False) as test_client:
        yield test_client


def csrf_of(client: TestClient, path: str = "/app/forgot-password") -> str:
    """The CSRF token a page of this browser carries (the cookie comes with the page)."""
    match = CSRF_INPUT.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: TestClient, path: str, data: dict[str, str]) -> httpx.Response:
    answer: httpx.Response = client.post(path, data={"csrf_token": csrf_of(client), **data})
    return answer


def register(client: TestClient, username: str = "alice") -> None:
    body = {"username": username, "email": f"{username}@example.com", "password": STRONG_PASSWORD}
    assert client.post("/auth/register", json=body).status_code == 201


def api_tokens(
    client: TestClient, username: str = "alice", password: str = STRONG_PASSWORD
) -> httpx.Response:
    answer: httpx.Response = client.post(
        "/auth/login", json={"username": username, "password": password}
    )
    return answer


def signed_in(client: TestClient, username: str = "alice") -> None:
    register(client, username)
    answer = post_form(client, "/app/login", {"login": username, "password": STRONG_PASSWORD})
    assert answer.status_code == 303


def error_of(page: httpx.Response, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page.text)
    return match.group(1) if match else None


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the server logged (the test's own HTTP client logs the URLs it asks for)."""
    return "\n".join(record.getMessage() for record in caplog.records if record.name != "httpx")


# --- account ---------------------------------------------------------------------------------


def test_the_account_page_needs_a_login_and_comes_back_after_it(client: TestClient) -> None:
    answer = client.get("/app/account")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login?next=/app/account"


def test_a_wrong_current_password_is_told_next_to_its_field(client: TestClient) -> None:
    signed_in(client)
    wrong = post_form(
        client,
        "/app/account/password",
        {"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert error_of(wrong, "current_password") == "The current password is incorrect."
    assert NEW_PASSWORD not in wrong.text
    weak = post_form(
        client,
        "/app/account/password",
        {"current_password": STRONG_PASSWORD, "new_password": STRONG_PASSWORD},
    )
    assert weak.status_code == 422
    assert error_of(weak, "new_password") == "The new password must differ from the current one."
    assert api_tokens(client).status_code == 200  # nothing changed


def test_a_password_change_keeps_this_browser_under_a_new_key_and_ends_the_rest(
    client: TestClient,
) -> None:
    signed_in(client)
    old_key = client.cookies["tessera_session"]
    api_session = api_tokens(client).json()
    changed = post_form(
        client,
        "/app/account/password",
        {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert changed.headers["location"] == "/app/account?notice=password_changed"
    assert client.cookies["tessera_session"] != old_key
    assert client.get("/app/account").status_code == 200
    me = client.get("/users/me", headers=bearer(api_session["access_token"]))
    assert me.status_code == 401


def test_throttled_password_checks_get_the_429_page(client: TestClient) -> None:
    signed_in(client)
    statuses = [
        post_form(client, "/app/account/deactivate", {"deactivate_password": "wrong"}).status_code
        for _ in range(6)
    ]
    assert statuses[0] == 400
    assert statuses[-1] == 429


def test_profile_input_errors_keep_the_input(client: TestClient) -> None:
    register(client, "bob")
    signed_in(client)
    taken = post_form(
        client,
        "/app/account/profile",
        {"username": "Bob", "email": "not-an-address", "full_name": "Alice <b>A</b>"},
    )
    assert taken.status_code == 422
    assert error_of(taken, "username") == "This username is already taken."
    assert 'value="Alice &lt;b&gt;A&lt;/b&gt;"' in taken.text


def test_a_new_email_is_sent_a_link_and_told(
    client: TestClient, emails: RecordingEmailSender
) -> None:
    signed_in(client)
    same = post_form(
        client,
        "/app/account/profile",
        {"username": "alice", "email": "alice@example.com", "full_name": "Alice"},
    )
    assert same.headers["location"] == "/app/account?notice=profile_saved"
    changed = post_form(
        client,
        "/app/account/profile",
        {"username": "alice", "email": "alice@elsewhere.example", "full_name": ""},
    )
    assert changed.headers["location"] == "/app/account?notice=email_changed"
    assert emails.sent[-1].to == "alice@elsewhere.example"
    assert "/app/verify-email?token=" in emails.sent[-1].body


def test_only_ones_own_live_sessions_can_be_revoked(client: TestClient) -> None:
    register(client, "bob")
    bob_session = client.get(
        "/auth/sessions", headers=bearer(api_tokens(client, "bob").json()["access_token"])
    ).json()[0]["id"]
    signed_in(client)
    for session_id in ("not-a-uuid", bob_session):
        answer = post_form(client, "/app/account/sessions/revoke", {"session_id": session_id})
        assert answer.status_code == 404
    own = api_tokens(client).json()
    listed = client.get("/auth/sessions", headers=bearer(own["access_token"])).json()
    api_session = next(s["id"] for s in listed if "testclient" in (s["user_agent"] or ""))
    page = client.get("/app/account").text
    assert page.count("This browser") == 1
    revoked = post_form(client, "/app/account/sessions/revoke", {"session_id": api_session})
    assert revoked.headers["location"] == "/app/account?notice=session_revoked"
    assert (
        client.post("/auth/refresh", json={"refresh_token": own["refresh_token"]}).status_code
        == 401
    )


def test_deactivation_and_deletion_end_the_browser_session(client: TestClient) -> None:
    for username, action, field, afterwards in (
        ("alice", "deactivate", "deactivate_password", 403),
        ("carol", "delete", "delete_password", 401),
    ):
        signed_in(client, username)
        wrong = post_form(client, f"/app/account/{action}", {field: "wrong"})
        assert wrong.status_code == 400
        assert error_of(wrong, field) == "The current password is incorrect."
        done = post_form(client, f"/app/account/{action}", {field: STRONG_PASSWORD})
        assert done.status_code == 303
        assert done.headers["location"].startswith("/app/?notice=account_")
        assert "tessera_session" not in client.cookies
        assert api_tokens(client, username).status_code == afterwards


def test_logout_everywhere_ends_this_browser_too(client: TestClient) -> None:
    signed_in(client)
    api_session = api_tokens(client).json()
    answer = post_form(client, "/app/account/logout-all", {})
    assert answer.headers["location"] == "/app/?notice=logged_out_everywhere"
    assert client.get("/app/account").status_code == 303
    assert client.get("/users/me", headers=bearer(api_session["access_token"])).status_code == 401


def test_account_forms_need_the_csrf_token(client: TestClient) -> None:
    signed_in(client)
    forged = client.post("/app/account/logout-all", data={})
    assert forged.status_code == 403
    assert client.get("/app/account").status_code == 200


# --- recovery --------------------------------------------------------------------------------


def test_forgot_password_answers_alike_for_known_and_unknown_addresses(
    client: TestClient, emails: RecordingEmailSender
) -> None:
    register(client)
    known = post_form(client, "/app/forgot-password", {"email": "Alice@example.com"})
    unknown = post_form(client, "/app/forgot-password", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"]
    assert known.headers["referrer-policy"] == "no-referrer"
    assert [message.to for message in emails.sent if "reset" in message.subject.lower()] == [
        "alice@example.com"
    ]
    empty = post_form(client, "/app/forgot-password", {"email": " "})
    assert empty.status_code == 422
    assert error_of(empty, "email") == "Enter the email address of your account."


def test_opening_a_reset_link_spends_nothing_and_its_post_does(
    client: TestClient, emails: RecordingEmailSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    register(client)
    post_form(client, "/app/forgot-password", {"email": "alice@example.com"})
    token = emails.last_token()
    for _ in range(2):  # a mail scanner, then the person
        opened = client.get("/app/reset-password", params={"token": token})
        assert opened.status_code == 200
        assert opened.headers["referrer-policy"] == "no-referrer"
        assert f'name="token" value="{token}"' in opened.text
    weak = post_form(client, "/app/reset-password", {"token": token, "new_password": "short"})
    assert weak.status_code == 422
    assert error_of(weak, "new_password")
    assert f'name="token" value="{token}"' in weak.text  # refused: the token stays unspent
    reset = post_form(client, "/app/reset-password", {"token": token, "new_password": NEW_PASSWORD})
    assert reset.status_code == 303
    assert reset.headers["location"] == "/app/login?notice=password_reset"
    assert api_tokens(client).status_code == 401
    assert api_tokens(client, password=NEW_PASSWORD).status_code == 200
    again = post_form(client, "/app/reset-password", {"token": token, "new_password": NEW_PASSWORD})
    assert again.status_code == 400
    assert "invalid, expired or already used" in again.text
    assert again.headers["referrer-policy"] == "no-referrer"
    assert token not in server_log(caplog)


def test_opening_a_verification_link_spends_nothing_and_its_button_does(
    client: TestClient, emails: RecordingEmailSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    register(client)
    token = emails.last_token("alice@example.com")
    for _ in range(2):
        opened = client.get("/app/verify-email", params={"token": token})
        assert opened.status_code == 200
        assert opened.headers["referrer-policy"] == "no-referrer"
        assert "Confirm my email" in opened.text
    confirmed = post_form(client, "/app/verify-email", {"token": token})
    assert confirmed.headers["location"] == "/app/login?notice=email_verified"
    assert api_tokens(client).json()["user"]["email_verified"] is True
    again = post_form(client, "/app/verify-email", {"token": token})
    assert again.status_code == 400
    assert "invalid, expired or already used" in again.text
    assert token not in server_log(caplog)


@pytest.mark.parametrize("path", ["/app/reset-password", "/app/verify-email"])
@pytest.mark.parametrize("query", ["", "?token=", "?token=" + "x" * 5000])
def test_a_link_without_a_usable_token_says_so(client: TestClient, path: str, query: str) -> None:
    opened = client.get(path + query)
    assert opened.status_code == 400
    assert opened.headers["referrer-policy"] == "no-referrer"
    assert "This link is incomplete" in opened.text
    assert 'name="token"' not in opened.text


@pytest.mark.parametrize(
    ("fetch_site", "with_token", "status"),
    [
        ("same-origin", True, 303),  # Chromium posting a no-referrer page's form
        (None, True, 303),  # a browser that sends no Sec-Fetch-Site: the token decides
        ("same-site", True, 403),  # a sibling subdomain
        ("cross-site", True, 403),
        ("same-origin", False, 403),
    ],
)
def test_a_null_origin_passes_only_from_this_site_and_with_the_token(
    client: TestClient, fetch_site: str | None, with_token: bool, status: int
) -> None:
    # The pages of the emailed links send `Referrer-Policy: no-referrer`, under which a browser
    # posts their forms with `Origin: null`.
    token = csrf_of(client)
    headers = {"origin": "null", **({"sec-fetch-site": fetch_site} if fetch_site else {})}
    data = {"email": "someone@example.com", **({"csrf_token": token} if with_token else {})}
    answer = client.post("/app/forgot-password", data=data, headers=headers)
    assert answer.status_code == status
