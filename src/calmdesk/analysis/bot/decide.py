"""The bot's decision for the customer's last turn: answer from an article, ask one clarifying
question, or hand over to a person with a summary (T2, P8, P14). Pure: the index, the signals
and the customer's standing are handed in.

Order of checks: blocked customer (no reply at all), high tier, hand-off triggers in the words or
signals (abuse, a person asked for, legal, threat, cancellation, complaint, upset), failed twice,
out of scope (the scope head), no article or below the confidence threshold; then two articles
close together give one clarifying question (never two in a row), else the answer with its
article cited.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from calmdesk.analysis.bot.answer import (
    BOT_INTRO,
    clarifying_question,
    extractive_answer,
    handoff_message,
)
from calmdesk.analysis.bot.phrase import grounded_answer
from calmdesk.analysis.bot.summary import handoff_summary
from calmdesk.analysis.bot.triggers import REASONS, handoff_trigger
from calmdesk.analysis.kb.index import Hit, KbIndex
from calmdesk.analysis.llm import ChatBackend
from calmdesk.domain import Conversation, CustomerSignals, Role, Turn

__all__ = ["BotReply", "BotSettings", "ScopeCheck", "decide"]

ScopeCheck = Callable[[str], tuple[str, float, bool]]
"""text -> (intent, probability, in_scope)."""

REASONS_ALL: dict[str, str] = {
    **REASONS,
    "blocked": "the customer is blocked",
    "high_tier": "a high-tier customer",
    "failed_twice": "the bot's answers did not help twice",
    "out_of_scope": "the question is out of the bot's scope",
    "low_confidence": "no article answers it confidently",
    "no_question": "there is no customer message to answer",
    "clarify": "two articles compete; asked which one",
    "thanks": "the customer thanked the bot",
    "answered": "answered from an article",
}
CLOSING = "Glad I could help. If there is anything else, just write here."
_NOT_HELPED = (
    "didn't help",
    "did not help",
    "not what i asked",
    "doesn't answer",
    "not helpful",
    "that's not it",
    "that is not it",
    "wrong answer",
    "no that",
    "doesn't help",
)
_CLOSING = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|great|perfect|brilliant|got it|that helps|that helped|understood)\W*)*"
    r"(?:thanks?|thank you|cheers|ta)?(?: (?:so|very) much| a lot)?\W*(?:bye)?\W*$",
    re.IGNORECASE,
)
_THANKS = ("thank", "thanks", "great", "perfect", "that helps", "that helped", "cheers", "ok")


@dataclass(frozen=True, slots=True)
class BotSettings:
    """Per team: who answers after a hand-off and when; thresholds (tuned on the dev questions)."""

    name: str = "the Demo Home Goods assistant"
    handoff_who: str = "Someone from our customer service team"
    handoff_when: str = "within about 15 minutes during opening hours"
    threshold: float = 0.55
    margin: float = 0.03
    high_tiers: tuple[str, ...] = ("gold", "platinum", "vip", "enterprise")
    team: str | None = None


@dataclass(frozen=True, slots=True)
class BotReply:
    """The CLI contract's object, plus the summary a person reads after a hand-off."""

    answer: str
    articles: list[dict[str, object]] = field(default_factory=list)
    confidence: float = 0.0
    handoff: bool = False
    reason: str = ""
    summary: str = ""
    intent: str = ""
    source: str = "extractive"  # or "llm" when a configured model phrased the answer

    def contract(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "articles": self.articles,
            "confidence": self.confidence,
            "handoff": self.handoff,
            "reason": self.reason,
        }


def _since_person(turns: Sequence[Turn]) -> list[Turn]:
    last_agent = max((i for i, t in enumerate(turns) if t.role is Role.AGENT), default=-1)
    return list(turns[last_agent + 1 :])


def _failures(turns: Sequence[Turn]) -> int:
    """Bot answers the customer did not accept: a later customer turn that is not thanks."""
    count = 0
    for i, turn in enumerate(turns[:-1]):
        if turn.role is not Role.BOT or "?" in turn.text[-2:]:
            continue
        nxt = next((t for t in turns[i + 1 :] if t.role is Role.CUSTOMER), None)
        words = nxt.text.lower() if nxt else ""
        if nxt and (any(p in words for p in _NOT_HELPED) or not any(p in words for p in _THANKS)):
            count += 1
    return count


def _cited(hits: Sequence[Hit]) -> list[dict[str, object]]:
    return [{"id": h.article.id, "title": h.article.title, "score": h.score} for h in hits]


def decide(
    conversation: Conversation,
    index: KbIndex,
    settings: BotSettings | None = None,
    *,
    signals: CustomerSignals | None = None,
    tier: str = "standard",
    blocked: bool = False,
    scope: ScopeCheck | None = None,
    model: ChatBackend | None = None,
) -> BotReply:
    """The bot's reply to the conversation's last customer turn; with `model`, an answer is
    phrased by it from the passages only and checked (the extractive answer is the fallback)."""
    s = settings or BotSettings()
    turns = _since_person(conversation.turns)
    if not turns or turns[-1].role is not Role.CUSTOMER or not turns[-1].text.strip():
        return BotReply("", handoff=False, reason="no_question")
    if blocked:
        return BotReply("", handoff=True, reason="blocked")
    question = turns[-1].text.strip()
    if any(t.role is Role.BOT for t in turns) and _CLOSING.match(question):
        return BotReply(CLOSING, [], 1.0, False, "thanks")
    intro = BOT_INTRO.format(name=s.name) if not any(t.role is Role.BOT for t in turns) else None
    hits = index.search(question, k=3, team=s.team)
    scoped = scope(question) if scope is not None else None
    reason = _handoff_reason(question, signals, tier, s, turns, scoped)
    intent = scoped[0] if scoped else ""
    if reason is None and (not hits or hits[0].score < s.threshold):
        reason = "low_confidence"
    if reason is not None:
        return _handoff(conversation, turns, hits, reason, s, intro, signals, intent)
    top = hits[0]
    asked_before = bool(turns[:-1]) and turns[-2].role is Role.BOT and turns[-2].text.endswith("?")
    if len(hits) > 1 and hits[1].score >= top.score - s.margin and not asked_before:
        text = clarifying_question(hits, intro)
        return BotReply(text, _cited(hits[:2]), top.score, False, "clarify", intent=intent)
    text, source = extractive_answer(question, top, intro), "extractive"
    if model is not None:
        text, source = grounded_answer(question, hits[:1], model, text)
        if source == "llm" and intro:
            text = f"{intro} {text}"
    return BotReply(text, _cited(hits[:1]), top.score, False, "answered", intent=intent,
                    source=source)  # fmt: skip


def _handoff_reason(
    question: str,
    signals: CustomerSignals | None,
    tier: str,
    s: BotSettings,
    turns: Sequence[Turn],
    scoped: tuple[str, float, bool] | None,
) -> str | None:
    if tier.lower() in s.high_tiers:
        return "high_tier"
    trigger = handoff_trigger(question, signals)
    if trigger is not None:
        return trigger
    if _failures(turns) >= 2:
        return "failed_twice"
    if scoped is not None and not scoped[2]:
        return "out_of_scope"
    return None


def _handoff(
    conversation: Conversation,
    turns: Sequence[Turn],
    hits: Sequence[Hit],
    reason: str,
    s: BotSettings,
    intro: str | None,
    signals: CustomerSignals | None,
    intent: str,
) -> BotReply:
    text = handoff_message(s.handoff_who, s.handoff_when, reason, intro)
    summary = handoff_summary(turns, REASONS_ALL[reason], signals, hits)
    confidence = hits[0].score if hits else 0.0
    return BotReply(text, _cited(hits[:3]), confidence, True, reason, summary, intent)
