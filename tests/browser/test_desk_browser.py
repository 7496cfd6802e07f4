"""The desk in a browser: a rule escalates the case while the agent is typing; the agent's page
says who has it and why, the draft stays in the box, and sending is refused with that message."""

from __future__ import annotations

import re

import pytest
from tests.browser.test_console_browser import _case, _login, _say

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_browser_escalation_while_typing_keeps_the_draft_and_says_why(
    new_page, live_server
) -> None:
    conv, link = _case(live_server, name="Olga Petrova")
    customer, agent = new_page(), new_page()
    customer.goto(link)
    _say(customer, "My blender arrived cracked. What can you do?")
    _login(agent, live_server, "agent")
    agent.goto(f"{live_server.url}/console/conversations/{conv.id}")
    box = agent.get_by_label(re.compile("Your reply"))
    box.fill("I'm sorry about the blender. I will check the replacement stock today.")
    agent.get_by_role("button", name="Send reply").click()
    agent.wait_for_selector("#reply-result:has-text('Sent')")  # the agent now holds the case
    draft = "I can offer you a full refund, and"
    box.fill(draft)  # typing when the customer asks for a manager: a rule escalates the case
    _say(customer, "This is useless. I want to speak to your manager now.")
    agent.wait_for_selector("#held-notice:has-text('has this case now')", timeout=15_000)
    assert box.input_value() == draft
    agent.get_by_role("button", name="Send reply").click()
    agent.wait_for_selector("#reply-result:has-text('has this case now')")
    assert "no conversation" not in agent.locator("#reply-result").inner_text()
    assert box.input_value() == draft
    agent.screenshot(path=str(live_server.artifacts / "escalated-away.png"), full_page=True)
