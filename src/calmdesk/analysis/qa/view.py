"""One conversation as the criteria read it: turns with their signals and reviews, the record's
facts, the playbook. Built once per conversation by `score_conversation`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calmdesk.analysis.qa.facts import ConversationFacts
from calmdesk.analysis.qa_settings import QaSettings
from calmdesk.analysis.reply import Playbook, review_draft
from calmdesk.domain import (
    AgentSignals,
    CalmdeskError,
    Conversation,
    ConversationAnalysis,
    CustomerSignals,
    MalformedInput,
    Review,
    Role,
)

__all__ = ["CALM_AT", "ConversationView", "Reply", "build_view", "satisfied"]

CALM_AT = 0.3
"""A customer turn below this upset, showing satisfaction, reads as "the problem is solved"."""


def satisfied(signals: CustomerSignals) -> bool:
    """The customer reads as satisfied: calm, with satisfaction (thanks) on top or a clear share."""
    emotion = signals.emotion or {}
    top = max(emotion, key=lambda k: emotion[k]) if emotion else ""
    return signals.upset < CALM_AT and (
        emotion.get("satisfaction", 0.0) >= 0.3 or top == "satisfaction"
    )


@dataclass(frozen=True, slots=True)
class Reply:
    """An agent or bot turn with its review (None when it could not be reviewed). `closing`: the
    customer's newest turn before it reads as satisfied (a thank-you after the fix)."""

    index: int
    role: Role
    review: Review | None
    at: datetime | None
    text: str
    closing: bool = False


@dataclass(frozen=True, slots=True)
class ConversationView:
    conversation: Conversation
    analysis: ConversationAnalysis
    playbook: Playbook
    facts: ConversationFacts
    customer: tuple[tuple[int, CustomerSignals], ...]
    agent: tuple[Reply, ...]
    bot: tuple[Reply, ...]

    @property
    def qa(self) -> QaSettings:
        return self.playbook.qa

    def at(self, index: int) -> datetime | None:
        return self.conversation.turns[index].at

    @property
    def first_at(self) -> datetime | None:
        times = [t.at for t in self.conversation.turns if t.at is not None]
        return self.facts.opened_at or (min(times) if times else None)


def _review(conversation: Conversation, analysis: ConversationAnalysis, i: int,
            playbook: Playbook) -> Review | None:  # fmt: skip
    signals = analysis.turns[i].signals
    if isinstance(signals, AgentSignals) and signals.review is not None:
        return signals.review
    turn = conversation.turns[i]
    if not turn.text.strip():
        return None
    try:
        return review_draft(
            turn.text,
            conversation.turns[:i],
            analysis.turns[:i],
            politeness=signals.politeness if isinstance(signals, AgentSignals) else None,
            now=turn.at,
            config=playbook,
        )
    except CalmdeskError:
        return None  # an unreviewable turn (empty, too long) is left out of the turn scores


def build_view(
    conversation: Conversation,
    analysis: ConversationAnalysis,
    playbook: Playbook,
    facts: ConversationFacts,
) -> ConversationView:
    """The view of one conversation; MalformedInput when the analysis does not match its turns."""
    turns = conversation.turns
    if len(analysis.turns) != len(turns) or any(
        a.role is not t.role for a, t in zip(analysis.turns, turns, strict=True)
    ):
        raise MalformedInput(
            f"The analysis of {conversation.id!r} does not match its turns (count or roles)."
        )
    customer: list[tuple[int, CustomerSignals]] = []
    replies: dict[Role, list[Reply]] = {Role.AGENT: [], Role.BOT: []}
    for i, (turn, done) in enumerate(zip(turns, analysis.turns, strict=True)):
        if turn.role is Role.CUSTOMER:
            if isinstance(done.signals, CustomerSignals):
                customer.append((i, done.signals))
            continue
        review = _review(conversation, analysis, i, playbook)
        closing = bool(customer) and satisfied(customer[-1][1])
        replies[turn.role].append(Reply(i, turn.role, review, turn.at, turn.text, closing))
    return ConversationView(
        conversation,
        analysis,
        playbook,
        facts,
        tuple(customer),
        tuple(replies[Role.AGENT]),
        tuple(replies[Role.BOT]),
    )
