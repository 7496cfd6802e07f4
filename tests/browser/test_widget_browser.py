"""The widget on another site: a visitor starts a chat from the bubble, the agent sees it arrive
live and answers, the visitor sees the answer; the same browser resumes the conversation; a site
that is not allowed cannot frame it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from calmdesk.demo import DEMO_USERS
from calmdesk.storage import Conversation, Customer, Team
from calmdesk.storage.intake import TurnChannel

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><p>Products...</p>
<script src="{calmdesk}/widget.js" data-team="Orders" async></script></body></html>"""


def _serve(port: int, calmdesk: str) -> ThreadingHTTPServer:
    body = _PAGE.format(calmdesk=calmdesk).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def shop(live_server, widget_host_port: int) -> Iterator[str]:
    """The team's own site (another origin and site: localhost, not 127.0.0.1)."""
    server = _serve(widget_host_port, live_server.url)
    yield f"http://localhost:{widget_host_port}"
    server.shutdown()
    server.server_close()


def _login(page, server, username: str) -> None:
    page.goto(f"{server.url}/console/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_USERS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/console")


def test_browser_widget_visitor_and_agent_talk(new_page, live_server, shop) -> None:
    visitor, agent = new_page(1200, 800), new_page()
    visitor.goto(shop)
    visitor.click("#calmdesk-bubble")
    frame = visitor.frame_locator("#calmdesk-frame")
    frame.get_by_label("Your name").fill("Wanda Widget")
    frame.get_by_label("How can we help?").fill("My order 77121 never arrived.")
    frame.get_by_role("button", name="Send").click()
    frame.locator("#chat-log li:has-text('never arrived')").wait_for()
    with live_server.ctx.sessions() as session:
        customer = session.scalars(select(Customer).where(Customer.name == "Wanda Widget")).one()
        conv = (
            session.scalars(select(Conversation).where(Conversation.customer_id == customer.id))
            .unique()
            .one()
        )
        orders = session.scalars(select(Team.id).where(Team.name == "Orders")).one()
        assert conv.team_id == orders  # then assigned by the team's routing rules (issue 11)
    _login(agent, live_server, "agent")
    agent.goto(f"{live_server.url}/console/conversations/{conv.id}")
    agent.wait_for_selector('#conversation[data-live="on"]')
    frame.get_by_label("Your message").fill("It was due last Monday.")
    frame.get_by_role("button", name="Send").click()
    agent.wait_for_selector("#transcript li:has-text('due last Monday')")  # arrives live
    assert agent.locator("#transcript .chip--channel").first.inner_text() == "chat"
    agent.get_by_label("Your reply").fill(
        "I'm sorry your order has not arrived. I will check with the courier today."
    )
    agent.get_by_label("Your reply").press("Control+Enter")
    frame.locator(".bubble--theirs:has-text('check with the courier')").wait_for()
    visitor.screenshot(path=str(live_server.artifacts / "widget.png"))
    # the same browser comes back: the conversation resumes
    visitor.reload()
    visitor.click("#calmdesk-bubble")
    frame = visitor.frame_locator("#calmdesk-frame")
    frame.locator(".bubble--theirs:has-text('check with the courier')").wait_for()
    for page in (visitor, agent):
        assert page.evaluate("window.__csp") == [] and page.errors == []
    with live_server.ctx.sessions() as session:
        assert (
            len(
                session.scalars(select(Conversation).where(Conversation.customer_id == customer.id))
                .unique()
                .all()
            )
            == 1
        )
        first = session.scalars(select(TurnChannel)).all()
        assert any(t.channel == "chat" for t in first)


def test_browser_widget_refuses_a_site_that_is_not_allowed(new_page, live_server) -> None:
    from tests.browser.conftest import _free_port

    port = _free_port()
    server = _serve(port, live_server.url)
    try:
        page = new_page()
        page.goto(f"http://localhost:{port}")
        page.click("#calmdesk-bubble")
        child = page.wait_for_selector("#calmdesk-frame").content_frame()
        assert child is not None
        child.wait_for_load_state("load")
        blocked = child.query_selector("#widget-start") is None
        assert blocked, "a site outside CALMDESK_WIDGET_ALLOWED_ORIGINS framed the widget"
    finally:
        server.shutdown()
        server.server_close()
