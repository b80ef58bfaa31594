"""The second factor's pages over HTTP, without a browser (the memory store): the account page's
authenticator app, the second step of a login, and the admin pages under MFA_REQUIRED_FOR_ADMINS.

What the browser test shows as one flow, pinned here case by case: each refusal's status and
where its message goes, that the mfa_token rides only in a form and survives a wrong code, and
what a finished second step sets. The server's clock is shifted by the tests (as in the API's MFA
tests), so that an authenticator can give the next step's code or a token can expire at once.
"""

import base64
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from infrastructure.container import build_container
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, make_settings
from tests.api.test_mfa_api import STEP, ShiftedClock
from tests.unit.fakes import RecordingEmailSender
from tests.web.conftest import csrf_token

SESSION_COOKIE = "tessera_session"
CSRF_COOKIE = "tessera_csrf"
MFA_TOKEN_INPUT = re.compile(r'name="mfa_token" value="([^"]+)"')
SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')
QR_IMAGE = re.compile(r'<img class="qr" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
RECOVERY_CODE = re.compile(r"<li><code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code></li>")


class Browser:
    """One person's browser on the pages, and the authenticator app on their phone."""

    def __init__(self, client: TestClient, clock: ShiftedClock) -> None:
        self.client = client
        self.clock = clock
        self.secret = ""

    def token(self) -> str:
        """The CSRF token of a page this browser can open, signed in or not."""
        page = self.client.get("/app/login")
        if page.status_code == 303:  # signed in already
            page = self.client.get("/app/account")
        assert page.status_code == 200, page.text
        return csrf_token(page.text)

    def post(self, path: str, data: dict[str, str]) -> Any:
        return self.client.post(path, data={"csrf_token": self.token(), **data})

    def register(self, username: str = "alice") -> None:
        email = f"{username}@example.com"
        body = {"username": username, "email": email, "password": STRONG_PASSWORD}
        assert self.client.post("/auth/register", json=body).status_code == 201

    def log_in(self, username: str = "alice", next_path: str = "/app/") -> httpx.Response:
        form = {"login": username, "password": STRONG_PASSWORD, "next": next_path}
        answer: httpx.Response = self.post("/app/login", form)
        return answer

    def code(self) -> str:
        return pyotp.TOTP(self.secret).at(self.clock.now())

    def next_code(self) -> str:
        """The next step's code: one the server has not accepted yet."""
        self.clock.advance(STEP)
        return self.code()

    def set_up(self) -> httpx.Response:
        answer: httpx.Response = self.post(
            "/app/account/mfa/totp/setup", {"totp_password": STRONG_PASSWORD}
        )
        found = SECRET.search(answer.text)
        if found:
            self.secret = found.group(1)
        return answer

    def enroll(self, username: str = "alice") -> list[str]:
        """Registered, logged in, authenticator on: the recovery codes."""
        self.register(username)
        assert self.log_in(username).status_code == 303
        assert self.set_up().status_code == 200
        confirmed = self.post("/app/account/mfa/totp/confirm", {"code": self.code()})
        assert confirmed.status_code == 200, confirmed.text
        return RECOVERY_CODE.findall(confirmed.text)

    def log_out(self) -> None:
        assert self.post("/app/logout", {}).status_code == 303
        assert SESSION_COOKIE not in self.client.cookies


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


def app_client(tmp_path: Path, clock: ShiftedClock, **settings: Any) -> TestClient:
    container = build_container(make_settings(tmp_path, database_url="memory://", **settings))
    container.email_sender.override(providers.Object(RecordingEmailSender()))
    container.clock.override(providers.Object(clock))
    return TestClient(create_app(container), follow_redirects=False)


@pytest.fixture
def browser(tmp_path: Path, clock: ShiftedClock) -> Iterator[Browser]:
    with app_client(tmp_path, clock) as client:
        yield Browser(client, clock)


def error_of(page: httpx.Response, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page.text)
    return match.group(1) if match else None


def mfa_token_of(page: httpx.Response) -> str:
    found = MFA_TOKEN_INPUT.search(page.text)
    assert found, "the page has no mfa_token field"
    return found.group(1)


# --- The account page ----------------------------------------------------------------------------


def test_setting_up_shows_the_secret_and_its_qr_code_and_a_code_turns_it_on(
    browser: Browser,
) -> None:
    browser.register()
    assert browser.log_in().status_code == 303
    account = browser.client.get("/app/account")
    assert 'id="second-factor"' in account.text
    assert "Set up an authenticator app" in account.text
    assert "/app/account/mfa/totp/disable" not in account.text

    wrong = browser.post("/app/account/mfa/totp/setup", {"totp_password": "not my password"})
    assert wrong.status_code == 400
    assert error_of(wrong, "totp_password") == "The current password is incorrect."

    setup = browser.set_up()
    assert setup.status_code == 200
    assert setup.headers["cache-control"] == "no-store"
    assert len(browser.secret) == 32
    qr = QR_IMAGE.search(setup.text)
    assert qr, "no QR code image on the setup page"
    svg = base64.b64decode(qr.group(1)).decode()
    assert svg.startswith("<svg")
    assert "<script" not in svg
    assert "http" not in setup.text  # nothing from elsewhere, no image service

    refused = browser.post("/app/account/mfa/totp/confirm", {"code": "000000"})
    assert refused.status_code == 400
    assert error_of(refused, "code") is not None
    assert browser.secret not in refused.text  # shown once, at setup only

    confirmed = browser.post("/app/account/mfa/totp/confirm", {"code": browser.code()})
    assert confirmed.status_code == 200
    codes = RECOVERY_CODE.findall(confirmed.text)
    assert len(set(codes)) == 10
    assert "Save these codes now" in confirmed.text
    account = browser.client.get("/app/account")
    assert '<span class="badge on">On</span>' in account.text
    assert "/app/account/mfa/totp/setup" not in account.text


def test_new_recovery_codes_need_the_password_and_a_code_and_void_the_old_ones(
    browser: Browser,
) -> None:
    old_codes = browser.enroll()
    path = "/app/account/mfa/recovery-codes"

    wrong_password = browser.post(
        path, {"regenerate_password": "not my password", "regenerate_code": browser.next_code()}
    )
    assert wrong_password.status_code == 400
    assert error_of(wrong_password, "regenerate_password") is not None
    wrong_code = browser.post(
        path, {"regenerate_password": STRONG_PASSWORD, "regenerate_code": "999999"}
    )
    assert wrong_code.status_code == 400
    assert error_of(wrong_code, "regenerate_code") is not None
    assert "999999" not in wrong_code.text  # a code is never shown again

    renewed = browser.post(
        path, {"regenerate_password": STRONG_PASSWORD, "regenerate_code": old_codes[0]}
    )
    assert renewed.status_code == 200
    new_codes = RECOVERY_CODE.findall(renewed.text)
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)

    browser.log_out()
    second_step = browser.log_in()
    refused = browser.post(
        "/app/login/second-factor", {"mfa_token": mfa_token_of(second_step), "code": old_codes[1]}
    )
    assert refused.status_code == 401


def test_turning_the_app_off_takes_the_password_and_a_code(browser: Browser) -> None:
    codes = browser.enroll()
    path = "/app/account/mfa/totp/disable"

    wrong = browser.post(path, {"disable_password": STRONG_PASSWORD, "disable_code": "123456"})
    assert wrong.status_code == 400
    assert error_of(wrong, "disable_code") is not None
    off = browser.post(path, {"disable_password": STRONG_PASSWORD, "disable_code": codes[0]})
    assert (off.status_code, off.headers["location"]) == (303, "/app/account?notice=totp_disabled")
    account = browser.client.get(off.headers["location"])
    assert "The authenticator app is off" in account.text
    assert '<span class="badge">Off</span>' in account.text

    browser.log_out()
    assert browser.log_in().status_code == 303  # the password alone again


# --- The second step of a login ------------------------------------------------------------------


def test_a_correct_password_asks_for_a_code_and_the_code_signs_in(browser: Browser) -> None:
    browser.enroll()
    browser.log_out()
    csrf_before = browser.client.cookies.get(CSRF_COOKIE)

    second_step = browser.log_in(next_path="/app/tasks")
    assert second_step.status_code == 200
    assert SESSION_COOKIE not in browser.client.cookies
    assert 'action="/app/login/second-factor"' in second_step.text
    assert 'name="next" value="/app/tasks"' in second_step.text
    mfa_token = mfa_token_of(second_step)
    assert len(mfa_token) >= 43

    wrong = browser.post("/app/login/second-factor", {"mfa_token": mfa_token, "code": "000000"})
    assert wrong.status_code == 401
    assert "not valid" in (error_of(wrong, "code") or "")
    assert mfa_token_of(wrong) == mfa_token  # a wrong code leaves the token usable
    assert SESSION_COOKIE not in browser.client.cookies

    form = {"mfa_token": mfa_token, "code": browser.next_code(), "next": "/app/tasks"}
    signed_in = browser.post("/app/login/second-factor", form)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/app/tasks")
    assert SESSION_COOKIE in browser.client.cookies
    assert browser.client.cookies.get(CSRF_COOKIE) != csrf_before
    assert browser.client.get("/app/tasks").status_code == 200

    browser.log_out()
    spent = browser.post(
        "/app/login/second-factor", {"mfa_token": mfa_token, "code": browser.next_code()}
    )
    assert spent.status_code == 303  # a used token is spent: back to the first step
    assert spent.headers["location"].startswith("/app/login?notice=second_step_expired")


def test_a_recovery_code_signs_in_once(browser: Browser) -> None:
    codes = browser.enroll()
    browser.log_out()

    form = {"mfa_token": mfa_token_of(browser.log_in()), "code": codes[3].upper()}
    assert browser.post("/app/login/second-factor", form).status_code == 303
    browser.log_out()
    again = {"mfa_token": mfa_token_of(browser.log_in()), "code": codes[3]}
    assert browser.post("/app/login/second-factor", again).status_code == 401


def test_an_expired_step_goes_back_to_the_login_page_with_a_message(browser: Browser) -> None:
    browser.enroll()
    browser.log_out()
    mfa_token = mfa_token_of(browser.log_in(next_path="/app/posts/mine"))
    browser.clock.advance(timedelta(minutes=6))

    form = {"mfa_token": mfa_token, "code": browser.code(), "next": "/app/posts/mine"}
    expired = browser.post("/app/login/second-factor", form)
    assert expired.status_code == 303
    location = expired.headers["location"]
    assert location == "/app/login?notice=second_step_expired&next=/app/posts/mine"
    login_page = browser.client.get(location)
    assert "took too long" in login_page.text
    assert 'name="next" value="/app/posts/mine"' in login_page.text

    made_up = browser.post("/app/login/second-factor", {"mfa_token": "made-up", "code": "1"})
    assert made_up.headers["location"].startswith("/app/login?notice=second_step_expired")


def test_too_many_wrong_codes_get_the_429_page_with_the_wait(browser: Browser) -> None:
    browser.enroll()
    browser.log_out()
    mfa_token = mfa_token_of(browser.log_in())
    statuses = []
    # LOGIN_MAX_FAILURES is 5, and the password counts as one attempt until a code is right.
    for _ in range(5):
        form = {"mfa_token": mfa_token, "code": "000000"}
        statuses.append(browser.post("/app/login/second-factor", form))
    assert [answer.status_code for answer in statuses] == [401] * 4 + [429]
    throttled = statuses[-1]
    assert int(throttled.headers["retry-after"]) > 0
    assert "Too many attempts. Wait " in throttled.text
    assert mfa_token_of(throttled) == mfa_token


def test_the_second_step_keeps_to_local_pages_and_needs_its_form(browser: Browser) -> None:
    browser.enroll()
    browser.log_out()
    second_step = browser.log_in(next_path="//evil.example/")
    assert 'name="next" value="/app/"' in second_step.text

    opened = browser.client.get("/app/login/second-factor")
    assert (opened.status_code, opened.headers["location"]) == (303, "/app/login")
    forged = browser.client.post(
        "/app/login/second-factor",
        data={"mfa_token": mfa_token_of(second_step), "code": browser.next_code()},
    )
    assert forged.status_code == 403
    assert SESSION_COOKIE not in browser.client.cookies


# --- The admin pages under MFA_REQUIRED_FOR_ADMINS -----------------------------------------------


def test_an_admin_without_a_second_factor_is_sent_to_the_account_page(
    tmp_path: Path, clock: ShiftedClock
) -> None:
    with app_client(tmp_path, clock, mfa_required_for_admins=True) as client:
        client.app.state.container.create_admin().execute(  # type: ignore[attr-defined]
            CreateAdminCommand(
                actor=OPERATOR, username="root", email="root@example.com", password=STRONG_PASSWORD
            )
        )
        admin = Browser(client, clock)
        assert admin.log_in("root").status_code == 303

        refused = client.get("/app/admin/users")
        assert refused.status_code == 403
        assert "Admins must turn on a second factor" in refused.text
        assert '<a href="/app/account#second-factor">' in refused.text

        assert admin.set_up().status_code == 200
        confirm = {"code": admin.code()}
        assert admin.post("/app/account/mfa/totp/confirm", confirm).status_code == 200
        assert client.get("/app/admin/users").status_code == 200
