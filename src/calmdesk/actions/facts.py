"""The facts escalation rules see, built from the stored record and the latest analysis."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from calmdesk.domain import CustomerSignals, Review
from calmdesk.storage import Conversation, ConversationStatus, CustomerStanding, User

__all__ = ["agent_facts", "customer_facts", "promised_amount"]

_MONEY = re.compile(
    r"(?:[$€£]\s?(\d[\d,]*(?:\.\d{1,2})?))"
    r"|(?:(?<![\d,.])(\d[\d,]*(?:\.\d{1,2})?)\s?(?:dollars|euros?|pounds|usd|eur|gbp)\b)",
    re.IGNORECASE,
)


class _Customer(Protocol):
    @property
    def tier(self) -> str: ...
    @property
    def standing(self) -> CustomerStanding: ...
    @property
    def warnings_count(self) -> int: ...
    @property
    def complaints_count(self) -> int: ...
    @property
    def bad_experiences(self) -> list[str]: ...


class _Case(Protocol):
    """What the facts read of a case: a `Conversation`, or the row a customer post reads."""

    @property
    def escalation_risk(self) -> float: ...
    @property
    def trend(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def customer_turns(self) -> int: ...
    @property
    def status(self) -> ConversationStatus: ...
    @property
    def upset(self) -> float: ...
    @property
    def customer(self) -> _Customer: ...


def customer_facts(conversation: _Case, signals: CustomerSignals | None) -> dict[str, Any]:
    """Facts about the case, the customer and (when known) the latest customer turn."""
    customer = conversation.customer
    facts: dict[str, Any] = {
        "risk": round(conversation.escalation_risk, 4),
        "trend": conversation.trend,
        "cause": conversation.cause,
        "customer_turns": conversation.customer_turns,
        "status": conversation.status.value,
        "tier": customer.tier,
        "standing": customer.standing.value,
        "warnings": customer.warnings_count,
        "complaints": customer.complaints_count,
        "bad_experiences": len(customer.bad_experiences or []),
        "upset": conversation.upset,
        "anger": 0.0,
        "abuse": 0.0,
        "abusive": False,
        "requests": [],
        "threats": [],
    }
    if signals is not None:
        facts.update(
            upset=round(signals.upset, 4),
            anger=round(signals.anger, 4),
            abuse=round(signals.abuse, 4),
            abusive=signals.abuse >= 0.5,
            requests=[m.kind.value for m in signals.requests],
            threats=[m.kind.value for m in signals.threats],
        )
    return facts


def agent_facts(
    conversation: Conversation, author: User | None, review: Review, text: str, now: datetime
) -> dict[str, Any]:
    """Customer facts plus what the reply promises and who sent it."""
    days = [(c.due - now).total_seconds() / 86400 for c in review.commitments if c.due]
    return customer_facts(conversation, None) | {
        "agent_role": author.role.value if author else "system",
        "authority_limit": author.authority_limit if author else 0.0,
        "promises": len(review.commitments),
        "max_promise_days": round(max(days, default=0.0), 2),
        "promised_amount": promised_amount([text]),
        "review_score": review.score,
    }


def promised_amount(texts: Sequence[str]) -> float:
    """The largest money amount written in `texts` ($20, 15.50 euros...), 0 when none."""
    amounts = [
        float((m.group(1) or m.group(2)).replace(",", ""))
        for text in texts
        for m in _MONEY.finditer(text)
    ]
    return max(amounts, default=0.0)
