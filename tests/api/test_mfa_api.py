"""MFA 64-68 and 70 over HTTP: TOTP with recovery codes, the second step of a login, the admin's
reset, on SQLite and PostgreSQL.

The server's clock is the system's plus an offset the tests move on (`ShiftedClock`), so a test
can ask the authenticator for the next step's code, or let an mfa_token expire, without waiting.
Codes come from pyotp, as an authenticator app would make them.
"""

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from dependency_injector import providers
from fastapi.testclient import TestClient
from httpx import Response

from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from infrastructure.container import Container, build_container
from infrastructure.persistence.sqlalchemy import create_database_engine, metadata
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, Api, bearer
from tests.api.test_races import outcomes, race
from tests.unit.fakes import RecordingEmailSender

STEP = timedelta(seconds=30)
# Headers that differ between any two answers, whatever they answer.
PER_REQUEST_HEADERS = {"date", "x-request-id"}


class ShiftedClock:
    """The system's time, moved on by the tests."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock(container: Container) -> ShiftedClock:
    shifted = ShiftedClock()
    container.clock.override(providers.Object(shifted))
    return shifted


@pytest.fixture
def client(container: Container, clock: ShiftedClock) -> Iterator[TestClient]:
    """The app on the shifted clock (overridden before anything is built from the container)."""
    with TestClient(create_app(container)) as test_client:
        yield test_client


@dataclass
class Authenticator:
    """What a person's authenticator app holds: the secret, and the time it reads codes at."""

    secret: str
    clock: ShiftedClock

    def code(self) -> str:
        return pyotp.TOTP(self.secret).at(self.clock.now())

    def next_code(self) -> str:
        """The code 30 seconds later: a step no code was used for yet."""
        self.clock.advance(STEP)
        return self.code()


@dataclass
class Enrolled:
    username: str
    token: str
    """The access token of the session that confirmed the setup (it stays signed in)."""
    app: Authenticator
    recovery_codes: list[str]


class MfaApi:
    def __init__(self, api: Api, clock: ShiftedClock) -> None:
        self.api = api
        self.client: TestClient = api.client
        self.clock = clock

    def set_up(self, token: str, password: str = STRONG_PASSWORD) -> Response:
        response: Response = self.client.post(
            "/auth/mfa/totp/setup", headers=bearer(token), json={"password": password}
        )
        return response

    def confirm(self, token: str, code: str) -> Response:
        response: Response = self.client.post(
            "/auth/mfa/totp/confirm", headers=bearer(token), json={"code": code}
        )
        return response

    def enroll(self, username: str = "alice", *, registered: bool = False) -> Enrolled:
        token = self.api.token(username) if registered else self.api.registered_token(username)
        setup = self.set_up(token)
        assert setup.status_code == 200, setup.text
        app = Authenticator(setup.json()["secret"], self.clock)
        confirmed = self.confirm(token, app.code())
        assert confirmed.status_code == 200, confirmed.text
        return Enrolled(username, token, app, confirmed.json()["recovery_codes"])

    def login(self, username: str = "alice", password: str = STRONG_PASSWORD) -> Response:
        response: Response = self.client.post(
            "/auth/login", json={"username": username, "password": password}
        )
        return response

    def mfa_token(self, username: str = "alice") -> str:
        response = self.login(username)
        assert (response.status_code, response.json()["code"]) == (401, "mfa_required")
        return str(response.json()["mfa_token"])

    def verify(self, mfa_token: str, code: str) -> Response:
        response: Response = self.client.post(
            "/auth/mfa/verify", json={"mfa_token": mfa_token, "code": code}
        )
        return response

    def disable(self, token: str, code: str, password: str = STRONG_PASSWORD) -> Response:
        response: Response = self.client.request(
            "DELETE",
            "/auth/mfa/totp",
            headers=bearer(token),
            json={"password": password, "code": code},
        )
        return response

    def regenerate(self, token: str, code: str) -> Response:
        response: Response = self.client.post(
            "/auth/mfa/recovery-codes",
            headers=bearer(token),
            json={"password": STRONG_PASSWORD, "code": code},
        )
        return response

    def me(self, token: str) -> Response:
        response: Response = self.client.get("/users/me", headers=bearer(token))
        return response


@pytest.fixture
def mfa(api: Api, clock: ShiftedClock) -> MfaApi:
    return MfaApi(api, clock)


def refused(response: Response, status: int, code: str) -> None:
    assert (response.status_code, response.json().get("code")) == (status, code), response.text


def audit(api: Api, admin_token: str, event_type: str) -> list[dict[str, Any]]:
    response = api.client.get(
        f"/admin/audit-events?event_type={event_type}", headers=bearer(admin_token)
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


# --- setup and confirm --------------------------------------------------------------------------


def test_setup_confirm_then_a_login_takes_a_code(mfa: MfaApi, emails: RecordingEmailSender) -> None:
    token = mfa.api.registered_token()
    assert (mfa.me(token).json()["mfa_enabled"], mfa.me(token).json()["has_password"]) == (
        False,
        True,
    )

    setup = mfa.set_up(token)
    assert setup.status_code == 200
    assert set(setup.json()) == {"secret", "otpauth_uri"}
    assert setup.headers["cache-control"] == "no-store"
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/Tessera:alice?")
    assert pyotp.parse_uri(setup.json()["otpauth_uri"]).secret == secret
    assert mfa.me(token).json()["mfa_enabled"] is False  # pending until confirmed
    assert mfa.login().status_code == 200

    app = Authenticator(secret, mfa.clock)
    confirmed = mfa.confirm(token, app.code())
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(set(codes)) == 10
    assert mfa.me(token).json()["mfa_enabled"] is True
    assert "Two-step sign-in is on" in emails.sent[-1].subject

    second_step = mfa.login()
    refused(second_step, 401, "mfa_required")
    body = second_step.json()
    assert set(body) == {"detail", "code", "mfa_token", "methods"}
    assert body["methods"] == ["totp", "recovery_code"]
    assert len(body["mfa_token"]) >= 43
    assert second_step.headers["www-authenticate"] == "Bearer"
    assert second_step.headers["cache-control"] == "no-store"

    signed_in = mfa.verify(body["mfa_token"], app.next_code())
    assert signed_in.status_code == 200, signed_in.text
    assert set(signed_in.json()) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "user",
    }
    assert signed_in.json()["user"]["mfa_enabled"] is True
    assert mfa.me(signed_in.json()["access_token"]).status_code == 200


def test_the_form_login_asks_for_the_second_factor_too(mfa: MfaApi) -> None:
    mfa.enroll()
    response = mfa.client.post(
        "/auth/token", data={"username": "alice", "password": STRONG_PASSWORD}
    )
    refused(response, 401, "mfa_required")
    assert "access_token" not in response.json()
    assert response.json()["mfa_token"]


def test_setup_needs_the_password_and_no_second_factor_yet(mfa: MfaApi) -> None:
    enrolled = mfa.enroll()
    refused(
        mfa.set_up(enrolled.token, password="not the password"), 400, "invalid_current_password"
    )
    refused(mfa.set_up(enrolled.token), 409, "mfa_already_enabled")
    refused(
        mfa.client.post("/auth/mfa/totp/setup", json={"password": STRONG_PASSWORD}),
        401,
        "not_authenticated",
    )


def test_confirm_needs_a_pending_setup_and_its_current_code(mfa: MfaApi) -> None:
    token = mfa.api.registered_token()
    refused(mfa.confirm(token, "123456"), 409, "no_pending_setup")
    app = Authenticator(mfa.set_up(token).json()["secret"], mfa.clock)
    wrong = "000000" if app.code() != "000000" else "111111"
    refused(mfa.confirm(token, wrong), 400, "invalid_mfa_code")
    assert mfa.me(token).json()["mfa_enabled"] is False


def test_the_code_that_confirmed_the_setup_is_refused_at_login(mfa: MfaApi) -> None:
    token = mfa.api.registered_token()
    app = Authenticator(mfa.set_up(token).json()["secret"], mfa.clock)
    code = app.code()
    assert mfa.confirm(token, code).status_code == 200

    refused(mfa.verify(mfa.mfa_token(), code), 401, "invalid_mfa_code")


def test_confirming_signs_out_every_other_session(mfa: MfaApi) -> None:
    mfa.api.register()
    mine, other = mfa.login().json(), mfa.login().json()
    app = Authenticator(mfa.set_up(mine["access_token"]).json()["secret"], mfa.clock)

    assert mfa.confirm(mine["access_token"], app.code()).status_code == 200

    assert mfa.me(mine["access_token"]).status_code == 200
    refused(mfa.me(other["access_token"]), 401, "invalid_token")
    refreshed = mfa.client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    refused(refreshed, 401, "invalid_refresh_token")
    sessions = mfa.client.get("/auth/sessions", headers=bearer(mine["access_token"])).json()
    assert len(sessions) == 1


# --- MFA 64: the password step --------------------------------------------------------------------


def comparable(response: Response) -> tuple[int, Any, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k not in PER_REQUEST_HEADERS}
    return response.status_code, response.json(), headers


def test_a_wrong_password_is_answered_alike_with_mfa_on_and_off(mfa: MfaApi) -> None:
    mfa.enroll("alice")
    mfa.api.register("bob")

    with_mfa = mfa.login("alice", "not the password at all")
    without_mfa = mfa.login("bob", "not the password at all")
    unknown = mfa.login("nobody", "not the password at all")

    refused(with_mfa, 401, "invalid_credentials")
    assert comparable(with_mfa) == comparable(without_mfa) == comparable(unknown)
    assert "mfa" not in with_mfa.text


def test_a_correct_password_issues_no_token_of_any_kind(mfa: MfaApi) -> None:
    mfa.enroll()
    second_step = mfa.login()
    body = second_step.json()
    assert not {"access_token", "refresh_token", "user"} & set(body)
    # The mfa_token is no bearer token, and no refresh token either (MFA 65).
    refused(mfa.me(body["mfa_token"]), 401, "invalid_token")
    refreshed = mfa.client.post("/auth/refresh", json={"refresh_token": body["mfa_token"]})
    refused(refreshed, 401, "invalid_refresh_token")


# --- MFA 65: the mfa_token ----------------------------------------------------------------------


def test_the_mfa_token_works_once(mfa: MfaApi) -> None:
    enrolled = mfa.enroll()
    token = mfa.mfa_token()
    assert mfa.verify(token, enrolled.app.next_code()).status_code == 200
    refused(mfa.verify(token, enrolled.app.next_code()), 401, "invalid_mfa_token")


def test_the_mfa_token_expires_after_five_minutes(mfa: MfaApi) -> None:
    enrolled = mfa.enroll()
    token = mfa.mfa_token()
    mfa.clock.advance(timedelta(minutes=5))
    refused(mfa.verify(token, enrolled.app.code()), 401, "invalid_mfa_token")


def test_a_wrong_code_does_not_spend_the_mfa_token(mfa: MfaApi) -> None:
    enrolled = mfa.enroll()
    token = mfa.mfa_token()
    refused(mfa.verify(token, "not-a-code"), 401, "invalid_mfa_code")
    assert mfa.verify(token, enrolled.app.next_code()).status_code == 200


def test_an_mfa_token_names_its_user(mfa: MfaApi) -> None:
    """Alice's token with Bob's (valid) code: checked against Alice's authenticator, refused."""
    mfa.enroll("alice")
    bob = mfa.enroll("bob")
    alices_token = mfa.mfa_token("alice")

    refused(mfa.verify(alices_token, bob.app.next_code()), 401, "invalid_mfa_code")
    refused(mfa.verify(alices_token, bob.recovery_codes[0]), 401, "invalid_mfa_code")
    # Bob's code and recovery code were not spent by the attempt.
    bobs = mfa.verify(mfa.mfa_token("bob"), bob.recovery_codes[0])
    assert bobs.json()["user"]["username"] == "bob"


@pytest.mark.parametrize("kind", ["refresh", "access", "unknown"])
def test_a_token_of_another_kind_is_no_mfa_token(mfa: MfaApi, kind: str) -> None:
    enrolled = mfa.enroll()
    tokens = mfa.verify(mfa.mfa_token(), enrolled.app.next_code()).json()
    token = {
        "refresh": tokens["refresh_token"],
        "access": tokens["access_token"],
        "unknown": "x" * 43,
    }[kind]
    refused(mfa.verify(token, enrolled.app.next_code()), 401, "invalid_mfa_token")


def test_a_password_reset_in_between_voids_the_mfa_token(
    mfa: MfaApi, emails: RecordingEmailSender
) -> None:
    enrolled = mfa.enroll()
    token = mfa.mfa_token()
    mfa.client.post("/auth/forgot-password", json={"email": "alice@example.com"})
    reset = mfa.client.post(
        "/auth/reset-password",
        json={"token": emails.last_token(), "new_password": "another long passphrase 9"},
    )
    assert reset.status_code == 204
    refused(mfa.verify(token, enrolled.app.next_code()), 401, "invalid_mfa_token")


# --- MFA 66: codes work once ------------------------------------------------------------------


def test_a_totp_code_is_accepted_once(mfa: MfaApi) -> None:
    enrolled = mfa.enroll()
    code = enrolled.app.next_code()
    assert mfa.verify(mfa.mfa_token(), code).status_code == 200

    refused(mfa.verify(mfa.mfa_token(), code), 401, "invalid_mfa_code")


def test_one_step_of_drift_and_no_more(mfa: MfaApi) -> None:
    enrolled = mfa.enroll()
    totp = pyotp.TOTP(enrolled.app.secret)
    mfa.clock.advance(5 * STEP)  # past the step the setup used
    token, now = mfa.mfa_token(), mfa.clock.now()
    refused(mfa.verify(token, totp.at(now - 2 * STEP)), 401, "invalid_mfa_code")
    refused(mfa.verify(token, totp.at(now + 3 * STEP)), 401, "invalid_mfa_code")
    assert mfa.verify(token, totp.at(now - STEP)).status_code == 200


def test_a_recovery_code_works_once(
    mfa: MfaApi, emails: RecordingEmailSender, admin_token: str
) -> None:
    enrolled = mfa.enroll()
    code = enrolled.recovery_codes[0]

    assert mfa.verify(mfa.mfa_token(), code).status_code == 200
    assert "9 are left" in emails.sent[-1].body
    refused(mfa.verify(mfa.mfa_token(), code), 401, "invalid_mfa_code")
    used = audit(mfa.api, admin_token, "recovery_code_used")
    assert [event["details"] for event in used] == [{"remaining": 9}]


# --- MFA 67: failures count toward the account's throttle -----------------------------------------


def test_wrong_codes_lock_the_account_like_wrong_passwords(mfa: MfaApi, admin_token: str) -> None:
    enrolled = mfa.enroll()
    token = mfa.mfa_token()  # the password counts as one attempt until the code is right
    for _ in range(4):
        refused(mfa.verify(token, "000000"), 401, "invalid_mfa_code")

    locked = mfa.verify(token, enrolled.app.next_code())

    refused(locked, 429, "too_many_attempts")
    assert int(locked.headers["retry-after"]) > 0
    refused(mfa.login(), 429, "too_many_attempts")
    assert len(audit(mfa.api, admin_token, "mfa_failed")) == 4
    assert audit(mfa.api, admin_token, "login_throttled")


def test_a_new_login_does_not_reset_the_count_of_wrong_codes(mfa: MfaApi) -> None:
    mfa.enroll()
    statuses = []
    for _ in range(4):
        login = mfa.login()
        statuses.append(login.status_code)
        if login.status_code == 401:
            statuses.append(mfa.verify(login.json()["mfa_token"], "000000").status_code)
    assert 429 in statuses
    assert statuses.index(429) <= 5


# --- MFA 68: secrets at rest --------------------------------------------------------------------


def database_text(settings: Settings) -> str:
    """Every row of every table as text, and for SQLite the database's files byte for byte."""
    engine = create_database_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            rows = [
                json.dumps([str(value) for value in row])
                for table in metadata.sorted_tables
                for row in connection.execute(sa.select(table))
            ]
    finally:
        engine.dispose()
    text = "\n".join(rows)
    if settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                text += file.read_bytes().decode("latin-1")
    return text


def test_no_secret_is_found_in_the_database(mfa: MfaApi, settings: Settings) -> None:
    enrolled = mfa.enroll()
    text = database_text(settings)

    raw_secret = base64.b32decode(enrolled.app.secret).decode("latin-1")
    for secret in (enrolled.app.secret, enrolled.app.secret.lower(), raw_secret):
        assert secret not in text
    for code in enrolled.recovery_codes:
        assert code not in text
        assert code.replace("-", "") not in text
    assert "v1." in text  # the sealed secret is there, encrypted


# --- turning it off, new recovery codes ---------------------------------------------------------


def test_turning_totp_off_takes_the_password_and_a_code(
    mfa: MfaApi, emails: RecordingEmailSender
) -> None:
    enrolled = mfa.enroll()
    refused(
        mfa.disable(enrolled.token, enrolled.app.next_code(), password="wrong password"),
        400,
        "invalid_current_password",
    )
    refused(mfa.disable(enrolled.token, "000000"), 400, "invalid_mfa_code")
    assert mfa.me(enrolled.token).json()["mfa_enabled"] is True

    off = mfa.disable(enrolled.token, enrolled.app.next_code())

    assert off.status_code == 204
    assert mfa.me(enrolled.token).json()["mfa_enabled"] is False
    assert mfa.login().status_code == 200
    assert "Two-step sign-in is off" in emails.sent[-1].subject
    refused(mfa.disable(enrolled.token, "000000"), 409, "mfa_not_enabled")


def test_recovery_codes_void_once_totp_is_off(mfa: MfaApi) -> None:
    enrolled = mfa.enroll()
    assert mfa.disable(enrolled.token, enrolled.recovery_codes[0]).status_code == 204
    setup = mfa.set_up(enrolled.token)
    app = Authenticator(setup.json()["secret"], mfa.clock)
    assert mfa.confirm(enrolled.token, app.next_code()).status_code == 200
    refused(mfa.verify(mfa.mfa_token(), enrolled.recovery_codes[1]), 401, "invalid_mfa_code")


def test_new_recovery_codes_replace_the_old_ones(mfa: MfaApi) -> None:
    enrolled = mfa.enroll()
    refused(mfa.regenerate(enrolled.token, "000000"), 400, "invalid_mfa_code")

    response = mfa.regenerate(enrolled.token, enrolled.app.next_code())

    assert response.status_code == 200
    new = response.json()["recovery_codes"]
    assert len(set(new)) == 10
    refused(mfa.verify(mfa.mfa_token(), enrolled.recovery_codes[0]), 401, "invalid_mfa_code")
    assert mfa.verify(mfa.mfa_token(), new[0]).status_code == 200


def test_new_recovery_codes_need_a_second_factor(mfa: MfaApi) -> None:
    token = mfa.api.registered_token()
    refused(mfa.regenerate(token, "000000"), 409, "mfa_not_enabled")


def test_a_code_is_never_echoed_in_a_422(mfa: MfaApi) -> None:
    token = mfa.api.registered_token()
    code = "9" * 65
    response = mfa.confirm(token, code)
    assert response.status_code == 422
    assert code not in response.text


def test_each_change_is_audited(mfa: MfaApi, admin_token: str) -> None:
    enrolled = mfa.enroll()
    mfa.verify(mfa.mfa_token(), "000000")
    mfa.regenerate(enrolled.token, enrolled.app.next_code())
    mfa.disable(enrolled.token, enrolled.app.next_code())
    for event_type in ("mfa_enabled", "mfa_failed", "recovery_codes_regenerated", "mfa_disabled"):
        assert len(audit(mfa.api, admin_token, event_type)) == 1, event_type


# --- the admin's reset --------------------------------------------------------------------------


def test_an_admin_turns_off_a_lost_second_factor(
    mfa: MfaApi, admin_token: str, emails: RecordingEmailSender
) -> None:
    mfa.enroll()
    alice = mfa.client.get("/admin/users?search=alice", headers=bearer(admin_token)).json()
    (alice_id,) = [user["id"] for user in alice["items"]]

    reset = mfa.client.delete(f"/admin/users/{alice_id}/mfa", headers=bearer(admin_token))

    assert reset.status_code == 204
    assert mfa.login().status_code == 200
    admin = mfa.me(admin_token).json()
    (event,) = audit(mfa.api, admin_token, "mfa_reset")
    assert (event["user_id"], event["actor_id"]) == (alice_id, admin["id"])
    assert "administrator turned off" in emails.sent[-1].subject


def test_only_admins_reset_and_only_users_that_exist(mfa: MfaApi, admin_token: str) -> None:
    bob = mfa.api.registered_token("bob")
    bob_id = mfa.me(bob).json()["id"]
    path = f"/admin/users/{bob_id}/mfa"
    refused(mfa.client.delete(path, headers=bearer(bob)), 403, "admin_required")
    refused(mfa.client.delete(path), 401, "not_authenticated")
    missing = "/admin/users/00000000-0000-4000-8000-000000000000/mfa"
    refused(mfa.client.delete(missing, headers=bearer(admin_token)), 404, "not_found")


# --- MFA_REQUIRED_FOR_ADMINS --------------------------------------------------------------------


@pytest.fixture
def strict_api(
    settings: Settings, emails: RecordingEmailSender, clock: ShiftedClock
) -> Iterator[MfaApi]:
    """The app with MFA_REQUIRED_FOR_ADMINS=true, on the same database and clock."""
    container = build_container(settings.model_copy(update={"mfa_required_for_admins": True}))
    container.email_sender.override(providers.Object(emails))
    container.clock.override(providers.Object(clock))
    with TestClient(create_app(container)) as strict:
        yield MfaApi(Api(strict), clock)


def test_admins_without_a_second_factor_are_sent_to_set_one_up(strict_api: MfaApi) -> None:
    mfa = strict_api
    mfa.client.app.state.container.create_admin().execute(  # type: ignore[attr-defined]
        CreateAdminCommand(
            actor=OPERATOR, username="root", email="root@example.com", password=STRONG_PASSWORD
        )
    )
    admin_token = mfa.api.token("root")
    users = "/admin/users"
    refused(mfa.client.get(users, headers=bearer(admin_token)), 403, "mfa_enrollment_required")
    bob = mfa.api.registered_token("bob")
    refused(mfa.client.get(users, headers=bearer(bob)), 403, "admin_required")

    root = mfa.enroll("root", registered=True)

    assert mfa.client.get(users, headers=bearer(root.token)).status_code == 200


# --- MFA 66 under concurrency -------------------------------------------------------------------


@pytest.fixture
def roomy_api(
    settings: Settings, emails: RecordingEmailSender, clock: ShiftedClock
) -> Iterator[MfaApi]:
    """The app with a throttle that lets the racers through (it has tests of its own above)."""
    roomy = settings.model_copy(update={"login_max_failures": 1000})
    container = build_container(roomy)
    container.email_sender.override(providers.Object(emails))
    container.clock.override(providers.Object(clock))
    with TestClient(create_app(container)) as client:
        yield MfaApi(Api(client), clock)


RACERS = 6


def test_a_code_raced_by_several_logins_is_accepted_once(roomy_api: MfaApi) -> None:
    mfa = roomy_api
    enrolled = mfa.enroll()
    code = enrolled.app.next_code()
    tokens = [mfa.mfa_token() for _ in range(RACERS)]

    answers = race(RACERS, lambda i: mfa.verify(tokens[i], code))

    assert outcomes(answers) == {(200, None): 1, (401, "invalid_mfa_code"): RACERS - 1}


def test_one_mfa_token_raced_starts_one_session(roomy_api: MfaApi) -> None:
    mfa = roomy_api
    enrolled = mfa.enroll()
    token = mfa.mfa_token()
    codes = [enrolled.recovery_codes[i] for i in range(RACERS)]

    answers = race(RACERS, lambda i: mfa.verify(token, codes[i]))

    counted = outcomes(answers)
    assert counted[(200, None)] == 1
    assert counted[(401, "invalid_mfa_token")] == RACERS - 1
    # The losers' recovery codes were not spent: their transactions rolled back.
    still_working = [code for code in codes if mfa.verify(mfa.mfa_token(), code).status_code == 200]
    assert len(still_working) == RACERS - 1


def test_a_recovery_code_raced_is_spent_once(roomy_api: MfaApi) -> None:
    mfa = roomy_api
    enrolled = mfa.enroll()
    tokens = [mfa.mfa_token() for _ in range(RACERS)]

    answers = race(RACERS, lambda i: mfa.verify(tokens[i], enrolled.recovery_codes[0]))

    assert outcomes(answers) == {(200, None): 1, (401, "invalid_mfa_code"): RACERS - 1}
