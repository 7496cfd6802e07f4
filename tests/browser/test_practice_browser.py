"""An agent practises on a simulated customer in chromium, from the library to the debrief."""

from __future__ import annotations

import pytest
from tests.analysis.roleplay.trainees import GOOD
from tests.browser.test_console_browser import _login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_browser_agent_plays_a_scenario_to_the_debrief(new_page, live_server) -> None:
    page = new_page(1440, 1000)
    _login(page, live_server, "agent")
    page.get_by_role("link", name="Practice").click()
    page.locator('tr[data-scenario="late-order"]').get_by_role("button", name="Practise").click()
    page.wait_for_url(f"{live_server.url}/console/practice/*")
    assert page.locator('#transcript li[data-role="customer"]').count() == 1
    for n, text in enumerate(GOOD["late-order"], 1):
        page.get_by_label("Your reply").fill(text)
        page.get_by_role("button", name="Send").click()
        page.wait_for_function(
            f"document.querySelectorAll('#transcript li[data-role=agent]').length === {n}"
        )
    assert page.locator("#outcome").get_attribute("data-outcome") == "resolved"
    assert page.locator("#mood-curve polyline").count() == 2
    page.screenshot(path=str(live_server.artifacts / "practice-debrief.png"), full_page=True)
