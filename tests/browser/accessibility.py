"""axe-core, the accessibility checker, injected into a page by the tests (never served by Tessera).

It comes from the npm registry (tests/browser/package.json; `.ci/run` runs `npm ci` there). Where it
is not installed the accessibility tests skip and say how to get it; under CI=true they fail.
"""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.services import IN_CI

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# What the contract asks: no serious or critical violation (axe's two highest impacts).
BLOCKING_IMPACTS = {"serious", "critical"}


def axe_source() -> str:
    if not AXE.exists():
        reason = f"needs axe-core at {AXE} (npm ci --prefix tests/browser; .ci/run does it)"
        if IN_CI:
            pytest.fail(f"{reason}: under CI=true the accessibility tests never skip", False)
        pytest.skip(reason)
    return AXE.read_text()


def blocking_violations(page: Page) -> list[str]:
    """axe's serious and critical findings on the page as it is now, one line each.

    Injected with `evaluate` (a DevTools call), which the page's CSP does not govern: the page
    itself still runs no script but Tessera's own.
    """
    page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['impact']}: {violation['id']} ({violation['help']}) at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
