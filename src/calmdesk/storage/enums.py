"""The closed sets of values that records use (stored as short strings with CHECK constraints)."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AuthorRole",
    "Channel",
    "CommitmentStatus",
    "ConversationStatus",
    "CustomerStanding",
    "Priority",
    "TimerKind",
    "TimerStatus",
    "UserRole",
]


class Channel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    PHONE = "phone"
    SOCIAL = "social"


class ConversationStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class UserRole(StrEnum):
    """Who a staff member is; a `qa_analyst` scores and reads conversations, never works them."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    QA_ANALYST = "qa_analyst"


class AuthorRole(StrEnum):
    """Who wrote a turn; `system` marks notices calmdesk itself adds to the thread."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class CommitmentStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    BROKEN = "broken"


class CustomerStanding(StrEnum):
    """P13: a customer may be warned about abuse and, as a last resort, blocked."""

    GOOD = "good"
    WARNED = "warned"
    BLOCKED = "blocked"


class TimerKind(StrEnum):
    COMMITMENT_REMINDER = "commitment_reminder"
    COMMITMENT_OVERDUE = "commitment_overdue"
    FOLLOW_UP_DUE = "follow_up_due"
    RESPONSE_DUE = "response_due"
    CASE_PROPOSAL_DUE = "case_proposal_due"
    CASE_APPEAL_CLOSES = "case_appeal_closes"
    CASE_DECISION_DUE = "case_decision_due"


class TimerStatus(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"
    FAILED = "failed"
