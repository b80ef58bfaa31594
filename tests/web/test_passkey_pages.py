"""Passkeys in the pages over HTTP, without a browser (the memory store): the JSON routes the pages'
script calls, with the software authenticator making what Chromium would (its browser flow:
tests/browser/test_pages_passkeys.py).

Pinned here: the routes are checked like forms (SECURITY 58: no token, a wrong token, a foreign
Origin or a cross-site fetch → 403 and nothing changed: not a passkey added, not a challenge
spent, not a session started); bad input is a 400 in JSON, never a 500; a passkey sign-in sets
the session cookie as a password login does (57); a challenge answers once (69); the last
credential stays (70); a passkey completes the second step once, for its own login (64, 65).
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import STRONG_PASSWORD
from tests.api.test_mfa_api import ShiftedClock
from tests.api.test_passkeys_api import ORIGIN
from tests.support.authenticator import SoftAuthenticator
from tests.web.test_mfa_pages import CSRF_COOKIE, SESSION_COOKIE, Browser, app_client, mfa_token_of

LISTED_PASSKEY = re.compile(r"<li class=\"card\">\s*<p><strong>([^<]*)</strong>")
REMOVE_ACTION = re.compile(r'action="/app/account/passkeys/([0-9a-f-]{36})/remove"')
FOREIGN = "https://evil.example"
# Creation options of no challenge of Tessera's: a passkey for this RP ID the site never took.
STRANGER_OPTIONS = {
    "challenge": "c3RyYW5nZXI",
    "rp": {"id": "localhost", "name": "Tessera"},
    "user": {"id": "c3RyYW5nZXI", "name": "stranger", "displayName": "stranger"},
    "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
}


class PasskeyBrowser(Browser):
    """A browser whose script runs the passkey ceremonies, and the person's authenticator."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.authenticator = SoftAuthenticator(ORIGIN)

    def send(
        self, path: str, body: dict[str, Any] | bytes, *, token: str | None = None, **headers: str
    ) -> httpx.Response:
        """What passkeys.js sends: JSON, the page's CSRF token in X-CSRF-Token; or, as bytes, a
        body the script never sends."""
        sent = {"x-csrf-token": self.token() if token is None else token, **headers}
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        answer: httpx.Response = self.client.post(path, content=content, headers=sent)
        return answer

    def new_credential(self, password: str = STRONG_PASSWORD) -> dict[str, Any]:
        body = {"passkey_name": "Laptop", "passkey_password": password}
        options = self.send("/app/account/passkeys/options", body)
        assert options.status_code == 200, options.text
        return self.authenticator.create(options.json())

    def add(self, name: str = "Laptop") -> httpx.Response:
        body = {"passkey_name": name, "credential": self.new_credential()}
        return self.send("/app/account/passkeys", body)

    def assertion(self) -> dict[str, Any]:
        options = self.send("/app/login/passkey/options", {})
        assert options.status_code == 200, options.text
        return self.authenticator.get(options.json())

    def listed(self) -> list[str]:
        return LISTED_PASSKEY.findall(self.client.get("/app/account").text)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[PasskeyBrowser]:
    clock = ShiftedClock()
    with app_client(tmp_path, clock) as client:
        yield PasskeyBrowser(client, clock)


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    body: dict[str, Any] = answer.json()
    assert body["code"] == code
    return body


def test_add_a_passkey_sign_in_with_it_and_remove_it(browser: PasskeyBrowser) -> None:
    browser.register()
    assert browser.log_in().status_code == 303
    account = browser.client.get("/app/account")
    assert 'id="passkeys"' in account.text
    assert '<script src="/app/static/passkeys.js" defer></script>' in account.text
    options = "/app/account/passkeys/options"
    wrong_password = {"passkey_name": "Laptop", "passkey_password": "wrong"}
    refused(browser.send(options, wrong_password), 400, "invalid_current_password")
    # A name the site would refuse is told before the authenticator makes anything.
    for name in ("", "  ", "x" * 65, "a\nb"):
        no_name = {"passkey_name": name, "passkey_password": STRONG_PASSWORD}
        refused(browser.send(options, no_name), 400, "invalid_field")

    added = browser.add("Laptop <b>")
    assert added.status_code == 200, added.text
    assert added.json() == {"redirect": "/app/account?notice=passkey_added#passkeys"}
    assert browser.listed() == ["Laptop &lt;b&gt;"]  # escaped (61)

    browser.log_out()
    assertion = browser.assertion()
    signed_in = browser.send("/app/login/passkey", {"credential": assertion, "next": "/app/tasks"})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json() == {"redirect": "/app/tasks"}
    cookies = signed_in.headers.get_list("set-cookie")
    assert any(c.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith(f"{CSRF_COOKIE}=") for c in cookies)  # a new CSRF secret, as at login
    assert browser.client.get("/app/account").status_code == 200

    # 69: the challenge answered once; the same assertion again is refused, no session.
    browser.client.cookies.delete(SESSION_COOKIE)
    replayed = browser.send("/app/login/passkey", {"credential": assertion})
    refused(replayed, 401, "invalid_passkey")
    assert SESSION_COOKIE not in browser.client.cookies
    signed_in = browser.send("/app/login/passkey", {"credential": browser.assertion()})
    assert signed_in.json() == {"redirect": "/app/"}

    account = browser.client.get("/app/account")
    passkey_id = REMOVE_ACTION.search(account.text)
    assert passkey_id
    remove = f"/app/account/passkeys/{passkey_id.group(1)}/remove"
    wrong = browser.post(remove, {"password": "not my password"})
    assert wrong.status_code == 400
    assert "The current password is incorrect." in wrong.text
    assert browser.listed() == ["Laptop &lt;b&gt;"]
    removed = browser.post(remove, {"password": STRONG_PASSWORD})
    assert removed.headers["location"] == "/app/account?notice=passkey_removed"
    assert browser.listed() == []


def test_the_last_passkey_of_an_account_without_a_password_stays(browser: PasskeyBrowser) -> None:
    browser.register()
    browser.log_in()
    assert browser.add().status_code == 200
    container = browser.client.app.state.container  # type: ignore[attr-defined]
    with container.uow() as uow:  # as an identity provider's sign-up makes it
        user = uow.users.get_for_update(uow.users.get_by_username("alice").id)
        user.has_password = False
        uow.users.update(user)
        uow.commit()

    account = browser.client.get("/app/account")
    assert "Password, to remove" not in account.text  # nothing to ask: no password, no app
    passkey_id = REMOVE_ACTION.search(account.text)
    assert passkey_id
    kept = browser.post(f"/app/account/passkeys/{passkey_id.group(1)}/remove", {})
    assert kept.status_code == 409
    assert "This is the last way to sign in to this account" in kept.text
    assert browser.listed() == ["Laptop"]


def test_a_passkey_completes_the_second_step_once(browser: PasskeyBrowser) -> None:
    browser.enroll()
    assert browser.add().status_code == 200
    browser.log_out()

    second_step = browser.log_in(next_path="/app/tasks")
    assert second_step.status_code == 200
    assert "Use a passkey" in second_step.text
    mfa_token = mfa_token_of(second_step)
    path = "/app/login/second-factor/passkey"

    # Another person's passkey (one this site does not know): refused, the step stays open.
    stranger = SoftAuthenticator(ORIGIN)
    stranger.create(STRANGER_OPTIONS)
    options = browser.send("/app/login/passkey/options", {}).json()
    wrong = browser.send(path, {"mfa_token": mfa_token, "credential": stranger.get(options)})
    assert refused(wrong, 401, "invalid_mfa_code")["detail"].startswith("That passkey")
    assert SESSION_COOKIE not in browser.client.cookies

    # What the page's passkey form holds, as the script sends it.
    assert '<input type="hidden" name="next" value="/app/tasks">' in second_step.text
    answer = {"mfa_token": mfa_token, "next": "/app/tasks", "credential": browser.assertion()}
    done = browser.send(path, answer)
    assert done.status_code == 200, done.text
    assert done.json() == {"redirect": "/app/tasks"}
    assert browser.client.get("/app/account").status_code == 200

    # 65: the token is spent; the page is told to start the login again.
    again = browser.send(path, {"mfa_token": mfa_token, "credential": browser.assertion()})
    assert refused(again, 401, "invalid_mfa_token")["redirect"].startswith(
        "/app/login?notice=second_step_expired"
    )


def test_without_a_passkey_the_second_step_offers_none(browser: PasskeyBrowser) -> None:
    browser.enroll()
    browser.log_out()
    second_step = browser.log_in()
    assert "Use a passkey" not in second_step.text
    assert "passkeys.js" not in second_step.text
    # A wrong code shows the form again, still without one.
    wrong = browser.post(
        "/app/login/second-factor",
        {"mfa_token": mfa_token_of(second_step), "code": "000000", "methods": "totp"},
    )
    assert wrong.status_code == 401
    assert "Use a passkey" not in wrong.text


# --- 58: checked like forms ------------------------------------------------------------------


def test_json_routes_without_a_valid_token_or_from_another_site_change_nothing(
    browser: PasskeyBrowser,
) -> None:
    browser.register()
    browser.log_in()
    token = browser.token()
    credential = browser.new_credential()
    body = {"passkey_name": "Laptop", "credential": credential}
    forged = [
        {"token": ""},
        {"token": "0" * 64},
        {"token": token, "origin": FOREIGN},
        {"token": token, "sec-fetch-site": "cross-site"},
    ]
    for attempt in forged:
        answer = browser.send("/app/account/passkeys", body, **attempt)
        refused(answer, 403, "csrf_refused")
        options = browser.send("/app/account/passkeys/options", {}, **attempt)
        refused(options, 403, "csrf_refused")
    assert browser.listed() == []
    # The challenge was not spent by the refused requests: the same credential still registers.
    assert browser.send("/app/account/passkeys", body, origin=ORIGIN).status_code == 200

    browser.log_out()
    assertion = browser.assertion()
    for attempt in forged:
        answer = browser.send("/app/login/passkey", {"credential": assertion}, **attempt)
        refused(answer, 403, "csrf_refused")
        assert SESSION_COOKIE not in browser.client.cookies
        second = browser.send("/app/login/second-factor/passkey", {}, **attempt)
        refused(second, 403, "csrf_refused")
    assert browser.send("/app/login/passkey", {"credential": assertion}).status_code == 200


def test_json_routes_refuse_bad_input_with_400_json(browser: PasskeyBrowser) -> None:
    browser.register()
    browser.log_in()
    routes = [
        "/app/account/passkeys/options",
        "/app/account/passkeys",
        "/app/login/passkey/options",
        "/app/login/passkey",
        "/app/login/second-factor/passkey",
    ]
    for path in routes:
        for raw in (b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b""):
            refused(browser.send(path, raw), 400, "bad_request")
    for body in (
        {"passkey_password": 123},
        {"passkey_password": ["a"]},
    ):
        refused(browser.send("/app/account/passkeys/options", body), 400, "bad_request")
    credential = browser.new_credential()
    for wrong in (
        {"passkey_name": "Laptop"},
        {"passkey_name": "Laptop", "credential": "abc"},
        {"passkey_name": {"a": 1}, "credential": credential},
    ):
        refused(browser.send("/app/account/passkeys", wrong), 400, "bad_request")
    refused(
        browser.send("/app/account/passkeys", {"passkey_name": "x" * 65, "credential": credential}),
        400,
        "invalid_field",
    )
    refused(
        browser.send("/app/account/passkeys", {"passkey_name": "Laptop", "credential": {}}),
        400,
        "invalid_passkey",
    )
    malformed: list[dict[str, Any]] = [{}, {"credential": []}, {"credential": {}, "next": 5}]
    for body in malformed:
        refused(browser.send("/app/login/passkey", body), 400, "bad_request")
    refused(browser.send("/app/login/passkey", {"credential": {"id": 1}}), 401, "invalid_passkey")
    refused(
        browser.send("/app/login/second-factor/passkey", {"mfa_token": "x", "credential": {}}),
        401,
        "invalid_mfa_token",
    )
    assert browser.listed() == []


def test_a_signed_out_browser_gets_401_json_from_the_account_routes(
    browser: PasskeyBrowser,
) -> None:
    for path in ("/app/account/passkeys/options", "/app/account/passkeys"):
        refused(browser.send(path, {"passkey_password": STRONG_PASSWORD}), 401, "not_authenticated")


def test_without_the_script_the_passkey_buttons_are_off_and_say_why(
    browser: PasskeyBrowser,
) -> None:
    login = browser.client.get("/app/login").text
    assert (
        '<button type="submit" class="secondary" disabled>Sign in with a passkey</button>' in login
    )
    assert "Passkeys need a browser with WebAuthn, and JavaScript on." in login
    assert 'aria-live="polite"' in login  # where the script says what went wrong


def test_the_script_is_served_by_tessera(browser: PasskeyBrowser) -> None:
    script = browser.client.get("/app/static/passkeys.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "navigator.credentials" in script.text
    assert "eval(" not in script.text
