"""Hand-made conversations for the QA rubric: customer signals set by hand (no models), agent and
bot turns reviewed by the real playbook checks from their text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from calmdesk.domain import (
    AgentSignals,
    Cause,
    Conversation,
    ConversationAnalysis,
    CustomerSignals,
    Mention,
    MentionKind,
    Role,
    Span,
    Trend,
    Turn,
    TurnAnalysis,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def said(kind: MentionKind, text: str) -> Mention:
    return Mention(kind, Span(0, len(text), text, kind.value))


def feels(upset: float, *, satisfaction: float = 0.0, anger: float = 0.0, complaint: float = 0.0,
          abuse: float = 0.0, requests: tuple[Mention, ...] = ()) -> CustomerSignals:  # fmt: skip
    emotion = {"anger": anger, "satisfaction": satisfaction}
    emotion["neutral"] = max(0.0, 1 - anger - satisfaction)
    return CustomerSignals(
        upset=upset, anger=anger, abuse=abuse, complaint=complaint, urgency=0.0, politeness=0.5,
        emotion=emotion, cause=Cause.DELIVERY_DELAY if complaint else Cause.NONE,
        requests=list(requests),
    )  # fmt: skip


@dataclass
class Chat:
    """A conversation built turn by turn: `customer(text, signals)`, `agent(text)`, `bot(text)`;
    each turn `minutes` after the one before."""

    cid: str = "chat"
    turns: list[Turn] = field(default_factory=list)
    analyses: list[TurnAnalysis] = field(default_factory=list)
    at: datetime = T0
    trend: Trend = Trend.STEADY

    def _add(self, role: Role, text: str, signals: Any, minutes: float) -> Chat:
        self.at = self.at + timedelta(minutes=minutes) if self.turns else self.at
        self.turns.append(Turn(role, text, self.at))
        self.analyses.append(TurnAnalysis(role, signals))
        return self

    def customer(self, text: str, signals: CustomerSignals, minutes: float = 2) -> Chat:
        return self._add(Role.CUSTOMER, text, signals, minutes)

    def agent(self, text: str, minutes: float = 2) -> Chat:
        return self._add(Role.AGENT, text, AgentSignals(politeness=0.7), minutes)

    def bot(self, text: str, minutes: float = 0.1) -> Chat:
        return self._add(Role.BOT, text, AgentSignals(politeness=0.7), minutes)

    def build(self) -> tuple[Conversation, ConversationAnalysis]:
        return (
            Conversation(self.cid, tuple(self.turns)),
            ConversationAnalysis(self.cid, list(self.analyses), self.trend, 0.0, []),
        )


LATE = "My parcel was meant to arrive on Monday and it still has not come. This is ridiculous!"
FIXED = (
    "I'm sorry your parcel still hasn't arrived, that must be frustrating after waiting since "
    "Monday. I've sent a replacement parcel by express today; it will arrive tomorrow by 12pm. "
    "Does that work for you?"
)
THANKS = "Yes, that works. Thank you so much!"
CLOSING = "You're welcome, thanks for your patience. Is there anything else I can help with?"
EXCUSE = "That is not our fault, the courier is to blame. We'll look into it."


def recovered() -> Chat:
    """Angry about a late parcel; the agent reflects, apologises, fixes it; the customer thanks."""
    return (
        Chat("recovered")
        .customer(LATE, feels(0.9, anger=0.7, complaint=0.9))
        .agent(FIXED)
        .customer(THANKS, feels(0.05, satisfaction=0.8))
        .agent(CLOSING)
    )


def abandoned() -> Chat:
    """The same opening; the agent blames the courier; the customer gives up angrier."""
    return (
        Chat("abandoned")
        .customer(LATE, feels(0.9, anger=0.7, complaint=0.9))
        .agent(EXCUSE, minutes=120)
        .customer(
            "Unbelievable. Forget it, I'll go elsewhere.",
            feels(0.95, anger=0.9, complaint=0.9),
        )
    )
