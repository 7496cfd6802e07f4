"""Knowledge-base writes (versions, audit, who may) and the bot in the chat, through the actions.

The bot's index uses the real encoder over the demo articles (slow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from tests.factories import World

from calmdesk.actions import Actor, add_customer_turn, block_customer, send_agent_reply
from calmdesk.actions.bot import bot_answer
from calmdesk.actions.kb import (
    grant_kb_editor,
    import_articles,
    save_article,
    set_bot_settings,
    stored_articles,
)
from calmdesk.analysis.kb import read_folder
from calmdesk.domain.errors import ArticleInvalid, PermissionDenied
from calmdesk.storage import AuditEntry, AuthorRole, Conversation, Note, Turn
from calmdesk.storage.kb import KbArticle, KbArticleVersion

DEMO_KB = Path(__file__).resolve().parents[2] / "src" / "calmdesk" / "demo" / "kb"
SYSTEM = Actor.system("tests")
ARTICLE = "---\ntitle: Gift wrapping\ntags: [gift]\n---\nWe wrap any item for 3 euros.\n"


def _audits(world: World, action: str) -> list[AuditEntry]:
    with world.ctx.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_kb_import_stores_every_article_once_with_a_version_and_audit(world: World) -> None:
    articles = read_folder(DEMO_KB)
    first = import_articles(world.ctx, SYSTEM, articles, "demo")
    again = import_articles(world.ctx, SYSTEM, articles, "demo")
    assert len(first.created) == len(articles) and not first.updated
    assert len(again.unchanged) == len(articles) and not again.created
    with world.ctx.sessions() as session:
        assert session.query(KbArticleVersion).count() == len(articles)
        assert stored_articles(session) == sorted(articles, key=lambda a: a.id)
    assert len(_audits(world, "kb.article_created")) == len(articles)


def test_kb_edit_adds_a_version_and_keeps_the_old_text(world: World) -> None:
    save_article(world.ctx, world.actor(world.admin), "gift-wrap", ARTICLE, "first")
    row = save_article(
        world.ctx,
        world.actor(world.admin),
        "gift-wrap",
        ARTICLE.replace("3 euros", "4 euros"),
        "price",
    )
    assert row.version == 2
    with world.ctx.sessions() as session:
        versions = session.scalars(select(KbArticleVersion).order_by(KbArticleVersion.version))
        texts = [(v.version, "3 euros" in v.text, v.note) for v in versions]
    assert texts == [(1, True, "first"), (2, False, "price")]
    [updated] = _audits(world, "kb.article_updated")
    assert updated.actor == "user:ada" and updated.before["version"] == 1  # type: ignore[index]


def test_kb_bad_edit_is_refused_and_changes_nothing(world: World) -> None:
    save_article(world.ctx, world.actor(world.admin), "gift-wrap", ARTICLE)
    with pytest.raises(ArticleInvalid, match="HTML or script"):
        save_article(
            world.ctx, world.actor(world.admin), "gift-wrap", ARTICLE + "<script>x</script>"
        )
    with world.ctx.sessions() as session:
        assert session.scalars(select(KbArticle.version)).one() == 1


def test_kb_only_admins_and_knowledge_editors_may_edit(world: World) -> None:
    with pytest.raises(PermissionDenied, match="knowledge editor"):
        save_article(world.ctx, world.actor(world.agent), "gift-wrap", ARTICLE)
    with pytest.raises(PermissionDenied):
        grant_kb_editor(world.ctx, world.actor(world.supervisor), world.agent.id)
    grant_kb_editor(world.ctx, world.actor(world.admin), world.agent.id)
    assert save_article(world.ctx, world.actor(world.agent), "gift-wrap", ARTICLE).version == 1
    assert _audits(world, "kb.editor_granted")


@pytest.fixture
def bot_world(world: World) -> World:
    import_articles(world.ctx, SYSTEM, read_folder(DEMO_KB), "demo")
    set_bot_settings(
        world.ctx,
        world.actor(world.admin),
        world.team.id,
        enabled=True,
        handoff_who="Someone from the Orders team",
        handoff_when="within 1 hour",
    )
    return world


def _ask(world: World, text: str, customer=None) -> int:  # type: ignore[no-untyped-def]
    conversation = world.open(customer or world.calm_customer)
    add_customer_turn(
        world.ctx, Actor.for_customer(conversation.customer_id), conversation.id, text
    )
    return conversation.id


def _turns(world: World, conversation_id: int) -> list[Turn]:
    with world.ctx.sessions() as session:
        return list(
            session.scalars(
                select(Turn).where(Turn.conversation_id == conversation_id).order_by(Turn.seq)
            )
        )


def _notes(world: World, conversation_id: int) -> list[str]:
    with world.ctx.sessions() as session:
        return [
            n.text
            for n in session.scalars(select(Note).where(Note.conversation_id == conversation_id))
        ]


@pytest.mark.slow
def test_bot_answers_in_the_chat_with_role_bot_reviewed_and_audited(bot_world: World) -> None:
    cid = _ask(bot_world, "How long does a refund take?")
    reply = bot_answer(bot_world.ctx, cid)
    assert reply is not None and reply.reason == "answered"
    turn = _turns(bot_world, cid)[-1]
    assert turn.author_role is AuthorRole.BOT and "5 business days" in turn.text
    assert "When your refund arrives" in turn.text
    assert turn.review is not None and "checks" in turn.review  # the same playbook checks
    assert turn.signals["bot"]["articles"][0]["id"] == "refund-timing"  # type: ignore[index]
    assert _audits(bot_world, "turn.bot_sent") and not _notes(bot_world, cid)


@pytest.mark.slow
def test_bot_hand_off_summary_reaches_the_agent_and_the_bot_goes_quiet(bot_world: World) -> None:
    cid = _ask(bot_world, "I want to talk to a real person about my order")
    reply = bot_answer(bot_world.ctx, cid)
    assert reply is not None and reply.handoff and reply.reason == "asks_for_person"
    assert "Someone from the Orders team will answer here within 1 hour." in reply.answer
    [note] = _notes(bot_world, cid)
    assert 'Customer asked: "I want to talk to a real person about my order"' in note
    assert "Bot hand-off: the customer asks for a person." in note and "Mood:" in note
    with bot_world.ctx.sessions() as session:
        assert session.get(Conversation, cid).meta["bot"]["handed_off"] is True  # type: ignore[union-attr]
    add_customer_turn(
        bot_world.ctx,
        Actor.for_customer(bot_world.calm_customer.id),
        cid,
        "How long does a refund take?",
    )
    assert bot_answer(bot_world.ctx, cid) is None  # a person answers from now on
    assert [t.author_role for t in _turns(bot_world, cid)].count(AuthorRole.BOT) == 1


@pytest.mark.slow
def test_bot_hands_a_gold_customer_to_a_person_at_once(bot_world: World) -> None:
    cid = _ask(bot_world, "How long does a refund take?", bot_world.angry_customer)
    reply = bot_answer(bot_world.ctx, cid)
    assert reply is not None and reply.handoff and reply.reason == "high_tier"
    assert "a high-tier customer" in _notes(bot_world, cid)[0]


@pytest.mark.slow
def test_bot_never_answers_a_blocked_customer(bot_world: World) -> None:
    cid = _ask(bot_world, "How long does a refund take?")
    block_customer(
        bot_world.ctx,
        bot_world.actor(bot_world.supervisor),
        bot_world.calm_customer.id,
        "repeated abuse",
    )
    assert bot_answer(bot_world.ctx, cid) is None
    assert all(t.author_role is not AuthorRole.BOT for t in _turns(bot_world, cid))


@pytest.mark.slow
def test_bot_stays_quiet_when_off_or_once_a_person_replied(bot_world: World) -> None:
    cid = _ask(bot_world, "How long does a refund take?")
    send_agent_reply(
        bot_world.ctx,
        bot_world.actor(bot_world.agent),
        cid,
        "Refunds reach you within 5 business days.",
    )
    add_customer_turn(
        bot_world.ctx,
        Actor.for_customer(bot_world.calm_customer.id),
        cid,
        "And where is my parcel?",
    )
    assert bot_answer(bot_world.ctx, cid) is None
    set_bot_settings(
        bot_world.ctx, bot_world.actor(bot_world.admin), bot_world.team.id, enabled=False
    )
    assert bot_answer(bot_world.ctx, _ask(bot_world, "Where is my parcel?")) is None
