"""The bot in the customer chat (live, role bot, hand-off note for the agent) and the knowledge
base in the console: suggested articles with a citation button, editing with versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from tests.factories import ADMIN
from tests.web.console_support import db_url, htmx, login, parse  # noqa: F401

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.actions.kb import import_articles, set_bot_settings
from calmdesk.analysis.kb import read_folder
from calmdesk.storage import Note, Turn
from calmdesk.storage.kb import KbArticle
from calmdesk.web.auth import issue_chat_token

pytestmark = pytest.mark.slow
DEMO_KB = Path(__file__).resolve().parents[2] / "src" / "calmdesk" / "demo" / "kb"
GIFT = "---\ntitle: Gift wrapping\ntags: [gift]\n---\nWe wrap any item for 3 euros.\n"


@pytest.fixture
def kb_world(world):
    import_articles(world.ctx, ADMIN, read_folder(DEMO_KB), "demo")
    set_bot_settings(
        world.ctx,
        ADMIN,
        world.team.id,
        enabled=True,
        handoff_who="Someone from Orders",
        handoff_when="within 1 hour",
    )
    return world


def _next(ws, kind: str) -> dict:
    while True:
        frame = ws.receive_json()
        if frame["type"] == kind:
            return frame


def _chat(world, settings):
    conv = world.open(world.calm_customer)
    return conv, issue_chat_token(settings, conv.id, conv.customer_id)


def test_chat_bot_answers_live_with_the_article_cited(client, kb_world, settings) -> None:
    conv, token = _chat(kb_world, settings)
    with client.websocket_connect(f"/chat/{token}/ws?after=0") as ws:
        ws.send_json({"type": "message", "text": "How long does a refund take?", "client_id": "c1"})
        assert _next(ws, "message")["role"] == "customer"
        bot = _next(ws, "message")
    assert bot["role"] == "bot" and bot["author"] == "Support bot"
    assert "a bot" in bot["text"] and "When your refund arrives" in bot["text"]
    page = parse(client.get(f"/chat/{token}").text)
    assert [b.find("p").text for b in page.by_id("chat-log").find_all("li")][-1] == bot["text"]


def test_chat_bot_hand_off_note_reaches_the_agent(client, kb_world, settings) -> None:
    conv, token = _chat(kb_world, settings)
    with client.websocket_connect(f"/chat/{token}/ws?after=0") as ws:
        ws.send_json({"type": "message", "text": "I want to speak to a human", "client_id": "c1"})
        _next(ws, "message")
        bot = _next(ws, "message")
    assert "Someone from Orders will answer here within 1 hour." in bot["text"]
    with kb_world.ctx.sessions() as session:
        [note] = session.scalars(select(Note).where(Note.conversation_id == conv.id)).all()
    assert 'Customer asked: "I want to speak to a human"' in note.text
    login(client, "cal")
    page = parse(client.get(f"/console/conversations/{conv.id}").text)
    assert "Bot hand-off: the customer asks for a person." in page.text


def test_chat_bot_is_off_unless_the_team_turned_it_on(client, world, settings) -> None:
    import_articles(world.ctx, ADMIN, read_folder(DEMO_KB), "demo")
    conv, token = _chat(world, settings)
    with client.websocket_connect(f"/chat/{token}/ws?after=0") as ws:
        ws.send_json({"type": "message", "text": "How long does a refund take?", "client_id": "c1"})
        _next(ws, "message")
    with world.ctx.sessions() as session:
        roles = [
            str(t.author_role)
            for t in session.scalars(select(Turn).where(Turn.conversation_id == conv.id))
        ]
    assert roles == ["customer"]


def test_console_suggests_articles_with_a_citation_button(client, kb_world) -> None:
    conv = kb_world.open(kb_world.calm_customer)
    add_customer_turn(
        kb_world.ctx, Actor.for_customer(conv.customer_id), conv.id, "Can I pay with PayPal?"
    )
    login(client, "cal")
    page = parse(client.get(f"/console/conversations/{conv.id}").text)
    assert page.find(None, **{"hx-get": f"/console/conversations/{conv.id}/articles"})
    panel = parse(client.get(f"/console/conversations/{conv.id}/articles").text)
    first = panel.find("li", class_="kb-article")
    assert first.attrs["data-article"] == "payment-methods"
    assert first.find("button").attrs["data-insert-text"] == (
        '(See our help article "Ways to pay".)'
    )


def test_console_articles_of_a_conversation_the_agent_cannot_see_are_not_found(
    client, kb_world
) -> None:
    conv = kb_world.open(kb_world.calm_customer)
    login(client, "bea")  # the other team's agent
    assert client.get(f"/console/conversations/{conv.id}/articles").status_code == 404


def test_console_admin_edits_an_article_and_sees_its_versions(client, kb_world) -> None:
    csrf = login(client, "ada")
    assert client.get("/console/kb/gift-wrap").status_code == 200
    for price in ("3", "4"):
        answer = client.post(
            "/console/kb/gift-wrap",
            headers={"X-CSRF-Token": csrf},
            data={"text": GIFT.replace("3", price), "note": f"price {price}"},
            follow_redirects=False,
        )
        assert answer.status_code == 303
    page = parse(client.get("/console/kb/gift-wrap").text)
    versions = [li.attrs["data-version"] for li in page.by_id("kb-versions").find_all("li")]
    assert versions == ["2", "1"] and "4 euros" in page.by_id("kb-text").text
    listing = parse(client.get("/console/kb").text)
    assert listing.find("tr", **{"data-article": "gift-wrap"})


def test_console_bad_article_is_shown_again_with_the_error(client, kb_world) -> None:
    csrf = login(client, "ada")
    bad = GIFT + "<script>alert(1)</script>"
    answer = client.post(
        "/console/kb/gift-wrap", headers={"X-CSRF-Token": csrf}, data={"text": bad, "note": ""}
    )
    page = parse(answer.text)
    assert answer.status_code == 400 and "E901" in page.by_id("kb-error").text
    assert "<script>alert(1)</script>" in page.by_id("kb-text").text  # escaped, kept for fixing
    assert not any("alert(1)" in s.text for s in page.find_all("script"))
    with kb_world.ctx.sessions() as session:
        assert (
            session.scalars(select(KbArticle).where(KbArticle.slug == "gift-wrap")).first() is None
        )


def test_console_agents_may_read_but_not_edit_articles(client, kb_world) -> None:
    csrf = login(client, "cal")
    listing = parse(client.get("/console/kb").text)
    assert listing.find("tr", **{"data-article": "returns"}).find_all("a") == []
    assert client.get("/console/kb/returns").status_code == 403
    answer = client.post(
        "/console/kb/returns", headers={"X-CSRF-Token": csrf}, data={"text": GIFT, "note": ""}
    )
    assert answer.status_code == 403


def test_console_suggestion_and_review_take_figures_from_the_articles(client, kb_world) -> None:
    text = (DEMO_KB / "refund-timing.md").read_text("utf-8")
    from calmdesk.actions.kb import save_article

    save_article(
        kb_world.ctx,
        ADMIN,
        "refund-timing",
        text.replace(": 5", ": 8").replace("within 5 business days", "within 8 business days"),
    )
    conv = kb_world.open(kb_world.calm_customer)
    add_customer_turn(
        kb_world.ctx,
        Actor.for_customer(conv.customer_id),
        conv.id,
        "My order is late, it should have arrived on Monday. I want a refund.",
    )
    csrf = login(client, "cal")
    suggestion = parse(
        client.post(f"/console/conversations/{conv.id}/suggest", headers=htmx(csrf)).text
    )
    assert "8 business days" in suggestion.by_id("suggestion-text").text
    draft = "I'm sorry your order is late. Your refund arrives within 5 business days."
    review = parse(
        client.post(
            f"/console/conversations/{conv.id}/review", headers=htmx(csrf), data={"text": draft}
        ).text
    )
    failing = review.find("li", **{"data-check": "P8"})
    assert failing.attrs["data-status"] == "fail" and "8" in failing.text
