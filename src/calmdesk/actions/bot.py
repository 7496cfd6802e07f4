"""The bot in the customer chat: before a person answers, where the team turned it on.

After a customer message is stored, `bot_answer` decides (analysis.bot.decide) and stores the
bot's turn with role `bot`, reviewed by the same playbook checks as an agent's reply. A hand-off
stores the summary as a note on the conversation for the agent, marks the conversation as handed
over (the bot stays quiet from then on) and is audited. A blocked customer is never answered.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.escalation import load_conversation
from calmdesk.actions.kb import stored_articles
from calmdesk.actions.turns import to_domain
from calmdesk.analysis.bot import BotReply, BotSettings, decide
from calmdesk.analysis.bot.scope import default_scope
from calmdesk.analysis.kb import Article, KbIndex, build_index, policy_facts, with_article_facts
from calmdesk.analysis.knowledge import KnowledgeBase
from calmdesk.analysis.qa.decode import stored_customer_signals
from calmdesk.analysis.reply.playbook import PolicyFact
from calmdesk.domain import (
    CalmdeskError,
    to_jsonable,
)
from calmdesk.storage import AuthorRole, Conversation, CustomerStanding, Note, Turn
from calmdesk.storage.kb import BotTeamSetting, KbArticle

__all__ = [
    "BOT_ACTOR",
    "bot_answer",
    "bot_settings_for",
    "kb_index",
    "stored_facts",
    "with_stored_facts",
]

BOT_ACTOR = Actor.system("bot")
_lock = threading.Lock()
_cache: dict[str, Any] = {}


def kb_index(session: Session) -> KbIndex:
    """The index over the stored articles, rebuilt only when an article changed."""
    key = tuple(session.execute(select(KbArticle.slug, KbArticle.version)).all())
    with _lock:
        if _cache.get("key") != key:
            _cache["index"] = build_index(stored_articles(session))
            _cache["key"] = key
        index: KbIndex = _cache["index"]
    return index


def _articles(session: Session) -> list[Article]:
    key = tuple(session.execute(select(KbArticle.slug, KbArticle.version)).all())
    with _lock:
        if _cache.get("articles_key") != key:
            _cache["articles"] = stored_articles(session)
            _cache["articles_key"] = key
        articles: list[Article] = _cache["articles"]
    return articles


def stored_facts(session: Session) -> tuple[PolicyFact, ...]:
    """The policy facts the stored articles state (for P8), re-read only when an article changed."""
    return policy_facts(_articles(session))


def with_stored_facts(session: Session, kb: KnowledgeBase) -> KnowledgeBase:
    """`kb` with the stored articles' figures (for suggestions: the articles are the reference)."""
    return with_article_facts(kb, _articles(session))


def bot_settings_for(session: Session, team_id: int | None) -> BotTeamSetting | None:
    """The team's bot settings, else those for chats without a team."""
    rows = {r.team_id: r for r in session.scalars(select(BotTeamSetting))}
    return rows.get(team_id) or rows.get(None)


def _model(ctx: ActionContext) -> Any:
    s = ctx.settings
    if not s.llm_base_url:
        return None
    from calmdesk.analysis.llm import OpenAICompatible

    return OpenAICompatible(s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_timeout_s)


def _settings(row: BotTeamSetting, conversation: Conversation) -> BotSettings:
    base = BotSettings()
    team = conversation.team.name if conversation.team else None
    return BotSettings(
        handoff_who=row.handoff_who or base.handoff_who,
        handoff_when=row.handoff_when or base.handoff_when,
        threshold=row.threshold if row.threshold is not None else base.threshold,
        team=team,
    )


def bot_answer(ctx: ActionContext, conversation_id: int) -> BotReply | None:
    """Answer the conversation's last customer turn as the bot, or hand over; None: the bot
    stays quiet (off for the team, already handed over, a person has replied, or blocked)."""
    with ctx.sessions() as session:
        conversation = load_conversation(session, conversation_id)
        row = bot_settings_for(session, conversation.team_id)
        turns = list(session.scalars(
            select(Turn).where(Turn.conversation_id == conversation_id).order_by(Turn.seq)
        ))  # fmt: skip
        if not _bot_may_speak(conversation, row, turns):
            return None
        assert row is not None
        settings = _settings(row, conversation)
        try:
            index = kb_index(session)
            reply = decide(
                to_domain(conversation_id, turns), index, settings,
                signals=stored_customer_signals(turns[-1].signals),
                tier=conversation.customer.tier, blocked=False, scope=default_scope(index),
                model=_model(ctx),
            )  # fmt: skip
        except CalmdeskError:  # no encoder: a person answers as usual
            return None
    if not reply.answer:
        return None
    _store(ctx, conversation_id, turns[-1].id, reply)
    return reply


def _bot_may_speak(
    conversation: Conversation, row: BotTeamSetting | None, turns: list[Turn]
) -> bool:
    if row is None or not row.enabled or not turns:
        return False
    if conversation.customer.standing is CustomerStanding.BLOCKED:
        return False
    if (conversation.meta or {}).get("bot", {}).get("handed_off"):
        return False
    if any(t.author_role is AuthorRole.AGENT for t in turns):
        return False
    return turns[-1].author_role is AuthorRole.CUSTOMER


def _store(ctx: ActionContext, conversation_id: int, after_turn: int, reply: BotReply) -> None:
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        turns = list(session.scalars(
            select(Turn).where(Turn.conversation_id == conversation_id).order_by(Turn.seq)
        ))  # fmt: skip
        if not turns or turns[-1].id != after_turn:  # the customer wrote again, or a person did
            return
        now = ctx.now()
        review = ctx.analysis.review(to_domain(conversation_id, turns), reply.answer, now)
        turn = Turn(conversation_id=conversation_id, seq=turns[-1].seq + 1,
                    author_role=AuthorRole.BOT, text=reply.answer, created_at=now)  # fmt: skip
        turn.review = to_jsonable(review)
        turn.signals = {"bot": to_jsonable(reply.contract())}
        session.add(turn)
        session.flush()
        conversation.updated_at = now
        write_audit(session, BOT_ACTOR, "turn.bot_sent", turn, None,
                    {"conversation_id": conversation_id, "reason": reply.reason,
                     "handoff": reply.handoff, "text": reply.answer})  # fmt: skip
        if reply.handoff:
            _hand_over(session, conversation, reply)


def _hand_over(session: Session, conversation: Conversation, reply: BotReply) -> None:
    note = Note(conversation_id=conversation.id, text=reply.summary)
    session.add(note)
    meta = dict(conversation.meta or {})
    meta["bot"] = {"handed_off": True, "reason": reply.reason}
    conversation.meta = meta
    write_audit(session, BOT_ACTOR, "bot.handed_off", note)
