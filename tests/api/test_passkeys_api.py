"""Passkeys over HTTP, on SQLite and PostgreSQL, with a software authenticator (ES256, "none"
attestation) that makes what a browser hands the page.

SECURITY 69: challenges single use and expiring, origin and RP ID from the configuration only,
counter regression refused. 70: the last credential of an account cannot be removed. 64-66 for
the passkey path: a passkey completes a password login only with a challenge of its own, once,
for its own account; an unknown username's options look like a known one's.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from httpx import Response

from application.use_cases.passkeys.passkey_login import PasskeyLoginCommand
from infrastructure.container import Container
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, Api, bearer
from tests.api.test_mfa_api import PER_REQUEST_HEADERS, MfaApi, ShiftedClock, audit, refused
from tests.support.authenticator import SoftAuthenticator, from_b64url
from tests.unit.fakes import RecordingEmailSender

ORIGIN = "http://localhost:8000"
"""The origin of the tests' PUBLIC_BASE_URL (the default), whose host is the RP ID."""
FIVE_MINUTES = timedelta(minutes=5)


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


class PasskeyApi:
    """The steps of a client, and the person's authenticator."""

    def __init__(self, api: Api, clock: ShiftedClock) -> None:
        self.api = api
        self.client: TestClient = api.client
        self.clock = clock
        self.mfa = MfaApi(api, clock)
        self.authenticator = SoftAuthenticator(ORIGIN)
        self.others: list[SoftAuthenticator] = []

    def registration_options(
        self,
        token: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> Response:
        response: Response = self.client.post(
            "/auth/passkeys/register/options",
            headers=bearer(token) | (headers or {}),
            json={"password": STRONG_PASSWORD} if body is None else body,
        )
        return response

    def register(self, token: str, credential: dict[str, Any], name: str = "Laptop") -> Response:
        response: Response = self.client.post(
            "/auth/passkeys/register",
            headers=bearer(token),
            json={"credential": credential, "name": name},
        )
        if response.status_code != 201:
            # The person's passkey providers list only what the site took (as browsers are told
            # to forget a refused one through PublicKeyCredential.signalUnknownCredential).
            for authenticator in (self.authenticator, *self.others):
                authenticator.credentials.pop(from_b64url(credential["rawId"]), None)
        return response

    def add(self, token: str, name: str = "Laptop", **tampering: Any) -> Response:
        options = self.registration_options(token)
        assert options.status_code == 200, options.text
        return self.register(token, self.authenticator.create(options.json(), **tampering), name)

    def added(self, token: str, name: str = "Laptop") -> dict[str, Any]:
        response = self.add(token, name)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def list(self, token: str) -> list[dict[str, Any]]:
        response = self.client.get("/auth/passkeys", headers=bearer(token))
        assert response.status_code == 200, response.text
        return list(response.json())

    def remove(self, token: str, passkey_id: str, body: dict[str, Any] | None = None) -> Response:
        response: Response = self.client.request(
            "DELETE",
            f"/auth/passkeys/{passkey_id}",
            headers=bearer(token),
            json={"password": STRONG_PASSWORD} if body is None else body,
        )
        return response

    def login_options(self, username: str | None = None, **headers: str) -> Response:
        response: Response = self.client.post(
            "/auth/passkeys/login/options",
            json={} if username is None else {"username": username},
            headers=headers,
        )
        return response

    def options(self, username: str | None = None) -> dict[str, Any]:
        response = self.login_options(username)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def login(self, assertion: dict[str, Any], **headers: str) -> Response:
        response: Response = self.client.post(
            "/auth/passkeys/login", json={"credential": assertion}, headers=headers
        )
        return response

    def sign_in(self, **tampering: Any) -> Response:
        return self.login(self.authenticator.get(self.options(), **tampering))

    def sign_in_with(self, options: dict[str, Any], index: int) -> Response:
        """Sign in with the authenticator's `index`-th credential (it may hold several)."""
        credential_id = list(self.authenticator.credentials)[index]
        return self.login(self.authenticator.get(options, credential_id=credential_id))

    def verify(self, mfa_token: str, assertion: dict[str, Any]) -> Response:
        response: Response = self.client.post(
            "/auth/mfa/verify", json={"mfa_token": mfa_token, "passkey": assertion}
        )
        return response

    def user_id(self, token: str) -> str:
        return str(self.mfa.me(token).json()["id"])


@pytest.fixture
def passkeys(api: Api, clock: ShiftedClock) -> PasskeyApi:
    return PasskeyApi(api, clock)


def without_password(passkeys: PasskeyApi, username: str = "alice") -> None:
    """Make the account one without a password, as an identity provider's sign-up makes it."""
    container = passkeys.client.app.state.container  # type: ignore[attr-defined]
    with container.uow() as uow:
        user = uow.users.get_by_username(username)
        user = uow.users.get_for_update(user.id)
        user.has_password = False
        uow.users.update(user)
        uow.commit()


# --- the whole path -----------------------------------------------------------------------


def test_register_list_sign_in_without_a_password_then_as_the_second_factor(
    passkeys: PasskeyApi, emails: RecordingEmailSender, admin_token: str
) -> None:
    token = passkeys.api.registered_token()

    options = passkeys.registration_options(token)
    assert options.status_code == 200
    assert options.json()["rp"] == {"id": "localhost", "name": "Tessera"}
    assert options.json()["authenticatorSelection"]["userVerification"] == "required"
    added = passkeys.register(token, passkeys.authenticator.create(options.json()), " Laptop ")
    assert added.status_code == 201, added.text
    assert set(added.json()) == {"id", "name", "created_at", "last_used_at"}
    assert (added.json()["name"], added.json()["last_used_at"]) == ("Laptop", None)
    assert emails.sent[-1].subject == "A passkey was added"
    assert passkeys.list(token) == [added.json()]

    signed_in = passkeys.sign_in()
    assert signed_in.status_code == 200, signed_in.text
    assert set(signed_in.json()) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "user",
    }
    assert signed_in.json()["user"]["username"] == "alice"
    assert passkeys.mfa.me(signed_in.json()["access_token"]).status_code == 200
    assert passkeys.list(token)[0]["last_used_at"] is not None
    assert emails.sent[-1].subject == "New sign-in with a passkey"

    # A passkey alone asks no second factor after a password; with TOTP on, it is one.
    assert passkeys.mfa.login().status_code == 200
    passkeys.mfa.enroll(registered=True)
    second_step = passkeys.mfa.login()
    refused(second_step, 401, "mfa_required")
    assert second_step.json()["methods"] == ["totp", "recovery_code", "passkey"]
    assertion = passkeys.authenticator.get(passkeys.options("alice"))
    verified = passkeys.verify(second_step.json()["mfa_token"], assertion)
    assert verified.status_code == 200, verified.text
    assert verified.json()["user"]["mfa_enabled"] is True

    # Still a sign-in of its own, without a second factor after it.
    assert passkeys.sign_in().status_code == 200
    (added_event,) = audit(passkeys.api, admin_token, "passkey_added")
    assert added_event["details"]["passkey_id"] == added.json()["id"]
    assert len(audit(passkeys.api, admin_token, "passkey_login")) == 2
    second_factor = [
        event["details"].get("second_factor")
        for event in audit(passkeys.api, admin_token, "login_succeeded")
    ]
    assert "passkey" in second_factor


def test_the_browser_variant_is_wired(passkeys: PasskeyApi) -> None:
    passkeys.added(passkeys.api.registered_token())
    container = passkeys.client.app.state.container  # type: ignore[attr-defined]

    signed_in = container.passkey_login_in_browser().execute(
        PasskeyLoginCommand(passkeys.authenticator.get(passkeys.options()))
    )

    assert signed_in.key
    assert signed_in.user.username == "alice"


# --- SECURITY 69: challenges, origin and RP ID, the counter -------------------------------


@pytest.mark.parametrize(
    "tampering",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://localhost:8001"},
        {"rp_id": "evil.example"},
        {"user_verified": False},
    ],
    ids=lambda t: f"{next(iter(t))}={next(iter(t.values()))}",
)
def test_what_another_origin_or_rp_id_made_is_refused(
    passkeys: PasskeyApi, tampering: dict[str, Any]
) -> None:
    token = passkeys.api.registered_token()
    refused(passkeys.add(token, **tampering), 400, "invalid_passkey")
    assert passkeys.list(token) == []

    passkeys.added(token)
    refused(passkeys.sign_in(**tampering), 401, "invalid_passkey")
    assert passkeys.sign_in().status_code == 200


def test_origin_and_rp_id_come_from_the_configuration_never_from_request_headers(
    passkeys: PasskeyApi,
) -> None:
    """A phishing proxy forwards the person's requests with its own Host and Origin: the
    credential its page made names its origin, which is not the configured one."""
    token = passkeys.api.registered_token()
    passkeys.added(token)
    evil = {
        "host": "evil.example",
        "origin": "https://evil.example",
        "x-forwarded-host": "evil.example",
        "x-forwarded-proto": "https",
    }

    options = passkeys.login_options(**evil)
    assert options.json()["rpId"] == "localhost"
    assert passkeys.registration_options(token, headers=evil).json()["rp"]["id"] == "localhost"
    phished = passkeys.authenticator.get(options.json(), origin="https://evil.example")
    refused(passkeys.login(phished, **evil), 401, "invalid_passkey")


def test_a_challenge_works_once(passkeys: PasskeyApi) -> None:
    token = passkeys.api.registered_token()
    options = passkeys.registration_options(token).json()
    assert passkeys.register(token, passkeys.authenticator.create(options)).status_code == 201
    refused(
        passkeys.register(token, passkeys.authenticator.create(options)), 400, "invalid_passkey"
    )

    sign_in = passkeys.options()
    assertion = passkeys.authenticator.get(sign_in, credential_id=None)
    assert passkeys.login(assertion).status_code == 200
    refused(passkeys.login(assertion), 401, "invalid_passkey")  # the same answer replayed
    again = passkeys.authenticator.get(sign_in)  # a new signature for the spent challenge
    refused(passkeys.login(again), 401, "invalid_passkey")


def test_a_refused_answer_spends_its_challenge(passkeys: PasskeyApi) -> None:
    passkeys.added(passkeys.api.registered_token())
    sign_in = passkeys.options()

    phished = passkeys.authenticator.get(sign_in, origin="https://evil.example")
    refused(passkeys.login(phished), 401, "invalid_passkey")
    refused(passkeys.login(passkeys.authenticator.get(sign_in)), 401, "invalid_passkey")


def test_a_challenge_expires_after_five_minutes(passkeys: PasskeyApi) -> None:
    token = passkeys.api.registered_token()
    registration = passkeys.registration_options(token).json()
    passkeys.added(token)
    sign_in = passkeys.options()

    passkeys.clock.advance(FIVE_MINUTES)

    refused(
        passkeys.register(token, passkeys.authenticator.create(registration)),
        400,
        "invalid_passkey",
    )
    refused(passkeys.login(passkeys.authenticator.get(sign_in)), 401, "invalid_passkey")
    assert passkeys.sign_in().status_code == 200  # a fresh challenge works


def test_a_counter_that_does_not_move_forward_is_refused(passkeys: PasskeyApi) -> None:
    passkeys.added(passkeys.api.registered_token())
    assert passkeys.sign_in().status_code == 200  # the counter is now 1

    refused(passkeys.sign_in(sign_count=1), 401, "invalid_passkey")  # stood still
    refused(passkeys.sign_in(sign_count=0), 401, "invalid_passkey")  # moved back: a clone?
    assert passkeys.sign_in(sign_count=2).status_code == 200


def test_another_users_passkey_or_challenge_is_refused(passkeys: PasskeyApi) -> None:
    alice = passkeys.api.registered_token("alice")
    bob = passkeys.api.registered_token("bob")
    passkeys.added(alice)
    bobs_authenticator = SoftAuthenticator(ORIGIN)
    bobs_options = passkeys.registration_options(bob).json()
    bobs_id = passkeys.register(bob, bobs_authenticator.create(bobs_options)).json()["id"]

    # Bob's registration options cannot add a passkey to Alice's account.
    stolen_options = passkeys.registration_options(bob).json()
    refused(
        passkeys.register(alice, passkeys.authenticator.create(stolen_options)),
        400,
        "invalid_passkey",
    )
    # Nor can Alice remove Bob's passkey.
    refused(passkeys.remove(alice, bobs_id), 404, "not_found")
    # A challenge asked for Bob does not sign Alice in.
    refused(passkeys.sign_in_with(passkeys.options("bob"), 0), 401, "invalid_passkey")

    # Bob's passkey does not complete Alice's login, with her challenge or an unbound one.
    # (Each refusal counts toward her account's login throttle, as a wrong code does.)
    passkeys.mfa.enroll("alice", registered=True)
    mfa_token = passkeys.mfa.mfa_token("alice")
    for username in ("alice", None):
        assertion = bobs_authenticator.get(passkeys.options(username))
        refused(passkeys.verify(mfa_token, assertion), 401, "invalid_mfa_code")
    # Nor does Alice's own passkey with a challenge asked for Bob.
    alices = passkeys.authenticator.get(passkeys.options("bob"))
    refused(passkeys.verify(mfa_token, alices), 401, "invalid_mfa_code")
    # Her mfa_token was never spent: her passkey with her challenge completes the login.
    verified = passkeys.verify(mfa_token, passkeys.authenticator.get(passkeys.options("alice")))
    assert verified.status_code == 200, verified.text


def test_a_passkey_second_factor_answers_once(passkeys: PasskeyApi) -> None:
    passkeys.added(passkeys.api.registered_token())
    passkeys.mfa.enroll(registered=True)
    assertion = passkeys.authenticator.get(passkeys.options("alice"))
    assert passkeys.verify(passkeys.mfa.mfa_token(), assertion).status_code == 200

    refused(passkeys.verify(passkeys.mfa.mfa_token(), assertion), 401, "invalid_mfa_code")


def test_verify_takes_a_code_or_a_passkey_not_both_nor_neither(passkeys: PasskeyApi) -> None:
    for body in ({"mfa_token": "t"}, {"mfa_token": "t", "code": "123456", "passkey": {}}):
        assert passkeys.client.post("/auth/mfa/verify", json=body).status_code == 422


# --- 64-66 for the passkey path: no account enumeration -----------------------------------


def comparable(response: Response) -> tuple[int, set[str], dict[str, Any], dict[str, str]]:
    body = response.json()
    headers = {k: v for k, v in response.headers.items() if k not in PER_REQUEST_HEADERS}
    return (
        response.status_code,
        set(body),
        {k: v for k, v in body.items() if k != "challenge"},
        headers,
    )


def test_an_unknown_username_gets_options_that_look_like_a_known_ones(
    passkeys: PasskeyApi,
) -> None:
    passkeys.added(passkeys.api.registered_token("alice"))
    passkeys.api.register("bob")  # no passkey

    known = passkeys.login_options("alice")
    without_passkey = passkeys.login_options("bob")
    unknown = passkeys.login_options("nobody")
    anyone = passkeys.login_options()

    assert comparable(known) == comparable(unknown) == comparable(without_passkey)
    assert comparable(known) == comparable(anyone)
    assert known.json()["allowCredentials"] == []
    challenges = {len(from_b64url(r.json()["challenge"])) for r in (known, unknown, anyone)}
    assert challenges == {32}


# --- SECURITY 70: an account keeps a way to sign in ---------------------------------------


def test_the_last_passkey_of_an_account_without_a_password_cannot_be_removed(
    passkeys: PasskeyApi, emails: RecordingEmailSender
) -> None:
    token = passkeys.api.registered_token()
    first, second = passkeys.added(token, "First"), passkeys.added(token, "Second")
    without_password(passkeys)

    assert passkeys.remove(token, first["id"], {}).status_code == 204
    assert emails.sent[-1].subject == "A passkey was removed"
    refused(passkeys.remove(token, second["id"], {}), 409, "last_credential")
    assert passkeys.list(token) == [second]
    refused(passkeys.sign_in_with(passkeys.options(), 0), 401, "invalid_passkey")
    assert passkeys.sign_in_with(passkeys.options(), 1).status_code == 200


def test_removing_takes_the_password(passkeys: PasskeyApi) -> None:
    token = passkeys.api.registered_token()
    passkey = passkeys.added(token)

    refused(
        passkeys.remove(token, passkey["id"], {"password": "wrong"}),
        400,
        "invalid_current_password",
    )
    refused(passkeys.remove(token, passkey["id"], {}), 400, "invalid_current_password")
    refused(passkeys.remove(token, "00000000-0000-4000-8000-000000000000"), 404, "not_found")
    assert passkeys.remove(token, passkey["id"]).status_code == 204  # with a password, the last
    assert passkeys.list(token) == []
    refused(passkeys.sign_in(), 401, "invalid_passkey")


def test_registration_takes_the_password(passkeys: PasskeyApi) -> None:
    token = passkeys.api.registered_token()

    for body in ({"password": "wrong"}, {}, {"code": "123456"}):
        refused(passkeys.registration_options(token, body), 400, "invalid_current_password")
    assert passkeys.client.post("/auth/passkeys/register/options", json={}).status_code == 401


def test_an_admins_reset_removes_the_passkeys(passkeys: PasskeyApi, admin_token: str) -> None:
    token = passkeys.api.registered_token()
    passkeys.added(token)
    passkeys.added(token)

    reset = passkeys.client.delete(
        f"/admin/users/{passkeys.user_id(token)}/mfa", headers=bearer(admin_token)
    )

    assert reset.status_code == 204
    assert passkeys.list(token) == []
    refused(passkeys.sign_in_with(passkeys.options(), 0), 401, "invalid_passkey")
    (event,) = audit(passkeys.api, admin_token, "mfa_reset")
    # Audit details also carry the request's id (set per request): the rest is asserted.
    assert {k: v for k, v in event["details"].items() if k != "request_id"} == {
        "was_enabled": False,
        "passkeys_removed": 2,
    }


def test_refused_passkeys_count_toward_the_account_throttle(passkeys: PasskeyApi) -> None:
    passkeys.added(passkeys.api.registered_token())
    passkeys.mfa.enroll(registered=True)
    mfa_token = passkeys.mfa.mfa_token()  # the password's attempt stays counted

    for _ in range(4):
        phished = passkeys.authenticator.get(
            passkeys.options("alice"), origin="https://evil.example"
        )
        refused(passkeys.verify(mfa_token, phished), 401, "invalid_mfa_code")
    genuine = passkeys.authenticator.get(passkeys.options("alice"))

    refused(passkeys.verify(mfa_token, genuine), 429, "too_many_attempts")
