"""WCAG 2 A/AA checks with axe-core (vendored in tests/browser/vendor) on the console's pages:
contrast, labels, landmarks, focusable controls. A page with a violation fails with its rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.browser.test_console_browser import _case, _login, _say

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _violations(page) -> list[str]:
    page.evaluate(f"() => {{ {AXE}\n}}")  # through DevTools: the pages' CSP allows no inline script
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x: "
        + "; ".join(f"{n['target']} {n.get('failureSummary', '')[-120:]}" for n in v["nodes"][:6])
        + ")"
        for v in result["violations"]
    ]


def test_browser_console_pages_pass_axe_wcag_aa(new_page, live_server) -> None:
    conv, link = _case(live_server, name="Ines Duarte")
    customer = new_page()
    customer.goto(link)
    _say(customer, "My order is late and nobody answers. This is ridiculous!")
    page = new_page()
    page.goto(f"{live_server.url}/console/login")
    found = {"/console/login": _violations(page)}
    _login(page, live_server, "supervisor")
    paths = ("/console", f"/console/conversations/{conv.id}", "/console/supervisor",
             "/console/search?q=order", "/console/macros", "/console/no-such-page")  # fmt: skip
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        found[path] = _violations(page)
    bad = {path: v for path, v in found.items() if v}
    assert not bad, bad
