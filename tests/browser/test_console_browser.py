"""A customer and an agent in two browsers: live chat, coaching as the agent types, promises,
escalation to the supervisor, hostile input that never runs, and a chat that survives a drop."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from calmdesk.actions import Actor, create_customer, open_conversation
from calmdesk.demo import DEMO_USERS
from calmdesk.storage import Team, Turn
from calmdesk.web.auth import issue_chat_token

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SYSTEM = Actor.system("browser-tests")
BLAMING = "That is not our fault. You should have checked the tracking page before writing."
FIXED = (
    "I'm sorry the blender arrived cracked, I can see how disappointing that is. "
    "I will send you a replacement by Friday. Does that work for you?"
)
XSS = [
    "<script>window.__xss = (window.__xss || 0) + 1</script>",
    '<img src=x onerror="window.__xss = 1; alert(1)">',
    '"><svg onload=alert(document.domain)>',
    "<iframe src=javascript:alert(1)></iframe>",
    "</textarea><script>alert(1)</script>",
    "{{ 7 * 7 }} ${alert(1)} `${1}`",
]


def _case(server, name: str = "Tomasz Nowak", customer_id: int | None = None):
    """A fresh chat conversation in the Orders team and the customer's chat link."""
    with server.ctx.sessions() as session:
        team_id = session.scalars(select(Team.id).where(Team.name == "Orders")).one()
    if customer_id is None:
        customer_id = create_customer(server.ctx, SYSTEM, name=name).id
    conv = open_conversation(
        server.ctx, SYSTEM, customer_id=customer_id, channel="chat", team_id=team_id,
        subject="Blender arrived cracked",
    )  # fmt: skip
    token = issue_chat_token(server.settings, conv.id, customer_id)
    return conv, f"{server.url}/chat/{token}"


def _login(page, server, username: str) -> None:
    page.goto(f"{server.url}/console/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_USERS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/console")


def _say(chat, text: str) -> None:
    chat.get_by_label("Your message").fill(text)
    chat.get_by_role("button", name="Send").click()


def _turns(server, conversation_id: int, text: str) -> int:
    with server.ctx.sessions() as session:
        stmt = select(func.count(Turn.id)).where(
            Turn.conversation_id == conversation_id, Turn.text == text
        )
        return session.scalar(stmt) or 0


def _check(agent, check_id: str):
    return agent.locator(f'#checks li[data-check="{check_id}"]')


@pytest.mark.parametrize(
    ("who", "width", "height"), [("supervisor", 1440, 900), ("agent", 390, 844)]
)
def test_browser_queue_fits_laptop_and_phone_widths(new_page, live_server, who, width, height):
    page = new_page(width, height)
    _login(page, live_server, who)
    assert page.locator("#queue tbody tr").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    rows = page.eval_on_selector_all(
        "#queue tbody tr", "rows => rows.map(r => [r.dataset.overdue, Number(r.dataset.risk)])"
    )
    # overdue cases (a missed SLA, a callback owed) first, then the riskiest (docs/desk.md)
    keys = [(overdue != "yes", -risk) for overdue, risk in rows]
    assert keys == sorted(keys)
    phone = width < 1000
    page.screenshot(path=str(live_server.artifacts / f"queue{'-phone' if phone else ''}.png"))
    page.locator("#queue tbody tr a").first.click()
    page.get_by_label(re.compile("Your reply")).fill("Calm down, we are looking into it.")
    page.wait_for_selector('#checks li[data-status="fail"]')
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    name = "conversation-phone.png" if phone else "conversation.png"
    page.screenshot(path=str(live_server.artifacts / name), full_page=True)


def test_browser_customer_and_agent_talk_with_live_coaching(new_page, live_server) -> None:
    conv, link = _case(live_server)
    customer, agent = new_page(400, 760), new_page()
    customer.goto(link)
    _say(customer, "Hello, my blender arrived with a cracked jug. Order 58731.")
    _login(agent, live_server, "agent")
    agent.goto(f"{live_server.url}/console/conversations/{conv.id}")
    agent.wait_for_selector('#conversation[data-live="on"]')
    # typing is sent at most every 1.5 s: type for longer than that
    customer.get_by_label("Your message").press_sequentially("It was a gift for my", delay=100)
    agent.wait_for_selector("#customer-typing:not([hidden])")
    _say(customer, "It was a gift for my sister and I need it this week.")
    agent.wait_for_selector("#transcript li:has-text('gift for my sister')")

    agent.get_by_label(re.compile("Your reply")).fill(BLAMING)
    agent.wait_for_selector('#checks li[data-check="P5"][data-status="fail"]')
    agent.screenshot(path=str(live_server.artifacts / "coaching.png"), full_page=True)
    agent.get_by_label(re.compile("Your reply")).fill(FIXED)
    agent.wait_for_selector('#checks li[data-check="P5"][data-status="pass"]')
    assert "replacement" in agent.locator("#draft-promises").inner_text()
    agent.screenshot(path=str(live_server.artifacts / "coaching-passing.png"), full_page=True)

    agent.get_by_label(re.compile("Your reply")).press("Control+Enter")  # sends, as the hint says
    agent.wait_for_selector("#flash:has-text('Promise tracked')")
    agent.wait_for_selector("#commitments li[data-status='open']:has-text('replacement')")
    agent.wait_for_selector("#review:has-text('Start typing')")  # coaching reset for the next one
    customer.wait_for_selector(".bubble--theirs:has-text('replacement by Friday')")
    assert customer.locator(".turn__notes, mark, #checks").count() == 0
    for page in (agent, customer):  # no content-security-policy violation, no script error
        assert page.evaluate("window.__csp") == [] and page.errors == []
    customer.screenshot(path=str(live_server.artifacts / "chat-phone.png"))
    assert _turns(live_server, conv.id, FIXED) == 1


def test_browser_escalation_reaches_the_supervisor_view(new_page, live_server) -> None:
    conv, link = _case(live_server, name="Marta Kowalski")
    customer, agent, supervisor = new_page(), new_page(), new_page()
    customer.goto(link)
    _say(customer, "The replacement was cracked too. What can you do about it?")
    _login(agent, live_server, "agent")
    agent.goto(f"{live_server.url}/console/conversations/{conv.id}")
    agent.get_by_role("button", name="Suggest a reply").click()
    agent.get_by_role("button", name="Use suggestion").click()
    suggested = agent.locator("#suggestion-text").inner_text()
    assert agent.get_by_label(re.compile("Your reply")).input_value() == suggested
    agent.wait_for_selector("#checks li[data-check]")
    agent.locator("#escalate summary").click()
    agent.get_by_label("Why you are handing it over").fill("Refund above my authority")
    agent.get_by_role("button", name="Escalate to a supervisor").click()
    agent.wait_for_selector("#flash:has-text('Escalated')")
    customer.wait_for_selector(".bubble--theirs:has-text('supervisor')")

    _login(supervisor, live_server, "supervisor")
    supervisor.goto(f"{live_server.url}/console/supervisor")
    row = supervisor.locator(f'#escalated li[data-conversation="{conv.id}"]')
    assert "Refund above my authority" in row.inner_text()
    supervisor.screenshot(path=str(live_server.artifacts / "supervisor.png"), full_page=True)


def test_browser_hostile_names_and_messages_never_run(new_page, live_server) -> None:
    conv, link = _case(live_server, name=XSS[1])
    customer, agent = new_page(), new_page()
    customer.goto(link)
    for payload in XSS:
        _say(customer, payload)
    customer.locator(".bubble[data-id]").nth(len(XSS) - 1).wait_for()
    _login(agent, live_server, "agent")
    agent.goto(f"{live_server.url}/console/conversations/{conv.id}")
    agent.goto(f"{live_server.url}/console?view=active")
    agent.goto(f"{live_server.url}/console/conversations/{conv.id}")
    agent.get_by_label(re.compile("Your reply")).fill(XSS[0])
    agent.wait_for_selector("#checks")
    for page in (customer, agent):
        assert page.dialogs == []
        assert page.evaluate("window.__xss === undefined")
    shown = agent.locator("#transcript .turn--customer .turn__text").all_inner_texts()
    assert shown == XSS


def test_browser_chat_survives_a_dropped_socket(new_page, live_server) -> None:
    conv, link = _case(live_server, name="Lena Vogel")
    customer, agent = new_page(), new_page()
    customer.goto(link)
    customer.wait_for_selector("#chat-state:has-text('Connected')")
    _say(customer, "Are you there?")
    customer.wait_for_selector(".bubble--mine[data-id]")
    customer.evaluate("window.calmdeskChat.drop(true)")
    customer.wait_for_selector("#chat-state:has-text('Offline')")
    _login(agent, live_server, "agent")
    agent.goto(f"{live_server.url}/console/conversations/{conv.id}")
    agent.get_by_label(re.compile("Your reply")).fill("Yes, I'm here. I'm sorry for the wait.")
    agent.get_by_role("button", name="Send reply").click()
    agent.wait_for_selector("#flash:has-text('Sent')")
    _say(customer, "Hello again")  # written while offline: kept in the outbox
    customer.evaluate("window.calmdeskChat.reconnect()")
    customer.wait_for_selector(".bubble--theirs:has-text('sorry for the wait')")
    customer.wait_for_selector(".bubble--mine[data-id]:has-text('Hello again')")
    agent.wait_for_selector("#transcript li:has-text('Hello again')")
    for text in ("Yes, I'm here. I'm sorry for the wait.", "Hello again", "Are you there?"):
        assert customer.locator(".bubble", has_text=text).count() == 1
        assert _turns(live_server, conv.id, text) == 1
