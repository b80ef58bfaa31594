"""Passkeys in Chromium, with its virtual authenticator (the DevTools protocol's WebAuthn domain,
through Playwright's CDP session): a passkey added on the account page, then signing in with it
and no password, then the passkey as the second step after a password. The pages' own script
(static/passkeys.js) runs the ceremonies; axe-core checks the pages that offer passkeys.

WebAuthn needs a secure context: the pages are opened on http://localhost:<port>, which is one,
and the server's PUBLIC_BASE_URL says so (its RP ID is `localhost`). One flow, on SQLite only:
the routes' refusals are pinned fast in tests/web/test_passkey_pages.py, the use cases on both
databases in tests/api/test_passkeys_api.py.
"""

from collections.abc import Callable, Iterator

import httpx
import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import blocking_violations
from tests.browser.pages_support import Person, api_login, log_in, register_by_api
from tests.browser.server import Server, serving
from tests.browser.test_pages_mfa import log_in_with_password, log_out, signed_in_as

# A platform authenticator with user verification (a fingerprint that always matches), keeping
# discoverable credentials: what a laptop's passkey provider is.
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@pytest.fixture(scope="module")
def localhost_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("serve-passkeys"), host="localhost") as running:
        yield running


def with_authenticator(page: Page) -> Callable[[], list[dict[str, object]]]:
    """Give the page's browser a virtual authenticator; the way to read what it holds."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable", {"enableUI": False})
    added = session.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})

    def credentials() -> list[dict[str, object]]:
        answer = session.send(
            "WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]}
        )
        found: list[dict[str, object]] = answer["credentials"]
        return found

    return credentials


def turn_on_totp(server: Server, person: Person) -> None:
    """The authenticator app, set up through the API (its pages have their own test)."""
    headers = {"Authorization": f"Bearer {api_login(server, person)['access_token']}"}
    setup = httpx.post(
        server.url + "/auth/mfa/totp/setup",
        json={"password": person.password},
        headers=headers,
        timeout=10,
    )
    assert setup.status_code == 200, setup.text
    code = pyotp.TOTP(setup.json()["secret"]).now()
    confirm = httpx.post(
        server.url + "/auth/mfa/totp/confirm", json={"code": code}, headers=headers, timeout=10
    )
    assert confirm.status_code == 200, confirm.text


def test_add_a_passkey_sign_in_with_it_then_use_it_after_a_password(
    localhost_server: Server, page: Page
) -> None:
    server = localhost_server
    held = with_authenticator(page)
    assert held() == []
    person = register_by_api(server)
    log_in(page, server, person)

    page.goto(server.url + "/app/account")
    passkeys = page.get_by_role("region", name="Passkeys")
    expect(passkeys.get_by_text("You have no passkey yet.")).to_be_visible()
    passkeys.get_by_label("Name of the new passkey").fill("Laptop")
    passkeys.get_by_label("Password, to add a passkey").fill(person.password)
    passkeys.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("status")).to_contain_text("Passkey added")
    expect(passkeys.get_by_role("list", name="Your passkeys")).to_contain_text("Laptop")
    (credential,) = held()
    assert credential["isResidentCredential"] is True  # discoverable: a passkey
    assert blocking_violations(page) == []
    log_out(page)

    # Signing in with the passkey alone: no username, no password typed.
    page.goto(server.url + "/app/login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    signed_in_as(page, person)
    page.goto(server.url + "/app/account")
    expect(page.get_by_role("list", name="Your passkeys")).not_to_contain_text("never used")
    log_out(page)

    # With the authenticator app on, the passkey stands in for its code after the password.
    turn_on_totp(server, person)
    log_in_with_password(page, server, person)
    use_passkey = page.get_by_role("button", name="Use a passkey")
    expect(use_passkey).to_be_enabled()
    assert blocking_violations(page) == []
    use_passkey.click()
    signed_in_as(page, person)
