"""Browser tests: Playwright for Python driving Debian's Chromium against a real `tessera serve`.

Playwright cannot download its own browsers here, so the tests launch the system's Chromium by its
path (`apt-get install -y chromium`; `.ci/run` installs it when it is missing). Where it is missing
the tests skip and say why; under `CI=true` they fail instead, like the tests that need a service.

Every page is offline: a request to anything but this machine (127.0.0.1, localhost) is aborted
and recorded, and a test that made one fails at teardown (Tessera serves every asset its pages
use).
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.browser.pages_support import app_server
from tests.browser.server import Server, serving
from tests.services import IN_CI

__all__ = ["app_server"]  # a fixture: the pages' server, once per database

CHROMIUM = Path("/usr/bin/chromium")
# Root needs --no-sandbox. The rest keep Chromium from calling home (updates, sync, field trials),
# which a machine without internet refuses, and which would not be the page's requests anyway.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Tessera as a person runs it: `tessera serve` on its defaults (SQLite, console emails)."""
    with serving(tmp_path_factory.mktemp("serve")) as running:
        yield running


# One per module, not per session: Playwright's sync API runs an event loop of its own (in a
# greenlet) while it is open, and it need not stay open beside an xdist worker's other tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"needs Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it)"
        if IN_CI:
            pytest.fail(f"{reason}: under CI=true the browser tests never skip", False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


# localhost: the passkey tests open the pages by that name (a secure context for WebAuthn).
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


@pytest.fixture
def outside_requests() -> list[str]:
    """The URLs a page asked for outside this machine (each one aborted)."""
    return []


@pytest.fixture
def page(browser: Browser, outside_requests: list[str]) -> Iterator[Page]:
    """A fresh browser context whose page cannot reach past this machine."""

    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside_requests.append(route.request.url)
            route.abort()

    context = browser.new_context()
    context.set_default_timeout(10_000)
    context.route("**/*", local_only)
    yield context.new_page()
    context.close()
    assert outside_requests == [], (
        f"the page asked for more than Tessera serves: {outside_requests}"
    )
