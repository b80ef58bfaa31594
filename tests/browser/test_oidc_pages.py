"""Sign-in with an OpenID Connect provider through the pages, in Chromium, against a real
provider on 127.0.0.1 (tests/support/oidc_provider.py): the login page's button, the provider's
page, and back to /app/ signed in; linking a provider from the account page."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import blocking_violations
from tests.browser.pages_support import log_in, new_person, register_by_api
from tests.browser.server import Server, free_port, serving
from tests.support.oidc_provider import Provider, running_provider

PROVIDERS_PAGE_CDN = "cdn.jsdelivr.net"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def oidc_server(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[Server]:
    """`tessera serve` (SQLite) with the provider configured; PUBLIC_BASE_URL is its own
    address, so that the provider sends the browser back to it."""
    port = free_port()
    settings = {
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "OIDC_PROVIDERS": "mock",
        "OIDC_MOCK_ISSUER": provider.issuer,
        "OIDC_MOCK_CLIENT_ID": "tessera",
        "OIDC_MOCK_CLIENT_SECRET": "tessera-secret",
        "OIDC_MOCK_DISPLAY_NAME": "Mock ID",
    }
    workdir: Path = tmp_path_factory.mktemp("serve-oidc")
    with serving(workdir, settings, port=port) as running:
        yield running


class _TesseraRequestsOnly(list[str]):
    """The provider's own page loads a stylesheet from a CDN: aborted like any outside request,
    but not Tessera's to answer for."""

    def append(self, url: str) -> None:
        if urlsplit(url).hostname != PROVIDERS_PAGE_CDN:
            super().append(url)


@pytest.fixture
def outside_requests() -> list[str]:
    return _TesseraRequestsOnly()


def at_the_provider(page: Page, subject: str) -> None:
    """The provider's page: sign in there as `subject`."""
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()


def test_sign_in_with_the_provider_from_the_login_page(
    oidc_server: Server, provider: Provider, page: Page
) -> None:
    subject = f"sub-{uuid.uuid4().hex[:8]}"
    provider.set_user(subject, email=f"{subject}@example.com", email_verified=True)
    page.goto(oidc_server.url + "/app/login")
    assert blocking_violations(page) == []
    page.get_by_role("link", name="Sign in with Mock ID").click()
    at_the_provider(page, subject)
    expect(page).to_have_url(oidc_server.url + "/app/")
    expect(page.get_by_role("link", name=f"Account of {subject}")).to_be_visible()
    assert "login_code" not in page.url


def test_link_a_provider_from_the_account_page(
    oidc_server: Server, provider: Provider, page: Page
) -> None:
    person = register_by_api(oidc_server, new_person("l"))
    log_in(page, oidc_server, person)
    subject = f"sub-{uuid.uuid4().hex[:8]}"
    provider.set_user(subject, email="work@corp.example", email_verified=False)
    page.goto(oidc_server.url + "/app/account")
    page.get_by_role("button", name="Link Mock ID").click()
    at_the_provider(page, subject)
    expect(page).to_have_url(oidc_server.url + "/app/account?notice=identity_linked")
    expect(page.get_by_role("status")).to_contain_text("The provider is linked")
    linked = page.get_by_role("region", name="Linked sign-in providers")
    expect(linked).to_contain_text("Mock ID · work@corp.example")
    assert blocking_violations(page) == []
    # The password still works, so the identity may go.
    linked.get_by_role("button", name="Unlink Mock ID").click()
    expect(page.get_by_role("status")).to_contain_text("The provider is unlinked")
