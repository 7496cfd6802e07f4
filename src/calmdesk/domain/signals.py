"""What calmdesk reads from each turn and from the conversation as a whole (playbook C1-C5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from calmdesk.domain.conversation import Role
from calmdesk.domain.span import Span

if TYPE_CHECKING:
    from calmdesk.domain.review import Review

__all__ = [
    "EMOTIONS",
    "AbuseKind",
    "AgentSignals",
    "Cause",
    "ConversationAnalysis",
    "CustomerSignals",
    "Mention",
    "MentionKind",
    "Span",
    "Trend",
    "TurnAnalysis",
]

EMOTIONS: tuple[str, ...] = (
    "anger",
    "frustration",
    "sadness",
    "anxiety",
    "confusion",
    "satisfaction",
    "neutral",
)
"""Emotion labels of a customer turn; `frustration` covers annoyance, `sadness` disappointment."""


class AbuseKind(StrEnum):
    PROFANITY = "profanity"
    INSULT = "insult"
    THREAT = "threat"
    HARASSMENT = "harassment"


class Cause(StrEnum):
    DELIVERY_DELAY = "delivery_delay"
    DEFECT = "defect"
    BILLING = "billing"
    SERVICE_FAILURE = "service_failure"
    ACCOUNT_ACCESS = "account_access"
    EXPECTATIONS = "expectations"  # C1
    COMMUNICATION = "communication"  # C2
    OTHER = "other"
    NONE = "none"


class MentionKind(StrEnum):
    SUPERVISOR = "supervisor"
    REFUND = "refund"
    CANCEL = "cancel"
    LEGAL = "legal"
    PUBLIC_REVIEW = "public_review"
    CHARGEBACK = "chargeback"  # dispute the charge with the bank or card issuer
    REPEAT_CONTACT = "repeat_contact"


class Trend(StrEnum):
    HEATING = "heating"
    STEADY = "steady"
    COOLING = "cooling"


@dataclass(frozen=True, slots=True)
class Mention:
    """A request ("get me your manager") or threat ("I will sue") with where it was said."""

    kind: MentionKind
    span: Span


@dataclass(slots=True)
class CustomerSignals:
    upset: float
    anger: float
    abuse: float
    complaint: float
    urgency: float
    politeness: float
    emotion: dict[str, float]
    cause: Cause = Cause.NONE
    cause_confidence: float = 0.0
    abuse_kinds: list[AbuseKind] = field(default_factory=list)
    abuse_spans: list[Span] = field(default_factory=list)
    requests: list[Mention] = field(default_factory=list)
    threats: list[Mention] = field(default_factory=list)
    truncated: bool = False
    sarcasm: float = 0.0
    waiting: float = 0.0  # complains of waiting, repeat contact or nobody answering
    language: str = "en"  # ISO 639-1 code of the turn's language
    language_supported: bool = True  # False: read with limits (no cues; scores marked limited)
    # how sure the reading is that the turn makes each request or threat (supervisor, cancel,
    # legal, chargeback, public_review): 1.0 where the rules found a phrase for it
    mention_scores: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class AgentSignals:
    politeness: float
    empathy: float = 0.0
    apology: float = 0.0
    asks_question: float = 0.0
    offers_solution: float = 0.0
    review: Review | None = None
    truncated: bool = False
    reflection: float = 0.0  # says back the customer's concern (P2)
    blame: float = 0.0  # blames or implies fault of the customer (P5)


@dataclass(slots=True)
class TurnAnalysis:
    role: Role
    signals: CustomerSignals | AgentSignals | None


@dataclass(slots=True)
class ConversationAnalysis:
    id: str
    turns: list[TurnAnalysis]
    trend: Trend
    escalation_risk: float
    reasons: list[str]
