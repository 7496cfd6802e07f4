"""Facts about how a conversation went, shared by the criteria and the scorecard's `outcome`:
upset at the start and the end, resolution (from the record, else read from the last customer
turn), promises made, response waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calmdesk.analysis.qa.facts import PromiseFact
from calmdesk.analysis.qa.view import ConversationView, satisfied
from calmdesk.domain import CustomerSignals, Role

__all__ = ["Resolution", "Wait", "opening_upset", "promises", "resolution", "waits"]


def opening_upset(view: ConversationView) -> tuple[int, CustomerSignals] | None:
    """The most upset customer turn before the first reply (else the first customer turn)."""
    if not view.customer:
        return None
    first_reply = min((r.index for r in (*view.agent, *view.bot)), default=len(view.analysis.turns))
    opening = [c for c in view.customer if c[0] < first_reply] or [view.customer[0]]
    return max(opening, key=lambda c: c[1].upset)


@dataclass(frozen=True, slots=True)
class Resolution:
    resolved: bool | None  # None: still open on record
    source: str  # record | transcript | none
    at: datetime | None
    turn: int | None = None

    def seconds(self, start: datetime | None) -> float | None:
        if self.at is None or start is None or not self.resolved:
            return None
        return max(0.0, (self.at - start).total_seconds())


def resolution(view: ConversationView) -> Resolution:
    facts = view.facts
    if facts.status is not None:
        if facts.ended:
            return Resolution(True, "record", facts.resolved_at)
        return Resolution(None, "record", None)
    if not view.customer:
        return Resolution(None, "none", None)
    index, last = view.customer[-1]
    return Resolution(satisfied(last), "transcript", view.at(index), index)


def promises(view: ConversationView) -> tuple[tuple[PromiseFact, ...], str]:
    """The promises on record, else those the agent turns' reviews found (with their due dates)."""
    if view.facts.promises is not None:
        return view.facts.promises, "record"
    found = tuple(
        PromiseFact(action=c.action, due=c.due, turn=r.index)
        for r in view.agent
        if r.review is not None
        for c in r.review.commitments
    )
    return found, "transcript"


@dataclass(frozen=True, slots=True)
class Wait:
    """How long the customer waited for an agent: from their first unanswered turn to the reply
    (`reply` None: still unanswered at `as_of`)."""

    customer_turn: int
    reply: int | None
    seconds: float
    first: bool


def waits(view: ConversationView) -> list[Wait] | None:
    """Every wait for an agent reply; None when the turn times are not known. Bots do not count
    as a response (the SLA measures people)."""
    turns = view.conversation.turns
    if any(t.at is None for t in turns if t.role is not Role.BOT) or not turns:
        return None
    out: list[Wait] = []
    waiting: int | None = None
    answered = False
    for i, turn in enumerate(turns):
        if turn.role is Role.CUSTOMER and waiting is None:
            waiting = i
        elif turn.role is Role.AGENT and waiting is not None:
            start, end = turns[waiting].at, turn.at
            assert start is not None and end is not None
            out.append(Wait(waiting, i, max(0.0, (end - start).total_seconds()), not answered))
            waiting, answered = None, True
    as_of = view.facts.as_of
    if waiting is not None and as_of is not None and (start := turns[waiting].at) is not None:
        out.append(Wait(waiting, None, max(0.0, (as_of - start).total_seconds()), not answered))
    return out
