"""A1 records: conversations, turns, actions taken, promises, escalations, follow-ups, notes.

`meta` columns leave room for later work (negotiation, mediation, arbitration, QA, training, bots,
PII redaction) without a schema change for every experiment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calmdesk.storage.base import Base, CreatedAt, enum_column
from calmdesk.storage.enums import (
    AuthorRole,
    Channel,
    CommitmentStatus,
    ConversationStatus,
    Priority,
)
from calmdesk.storage.people import Customer, Team, User
from calmdesk.storage.types import JSONType, UTCDateTime, utcnow

__all__ = [
    "ActionTaken",
    "Commitment",
    "Conversation",
    "Escalation",
    "FollowUp",
    "Note",
    "RuleFiring",
    "Turn",
]


class Conversation(Base):
    """One case. The `escalation_risk`..`cause` columns summarise the latest analysis for queues."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    status: Mapped[ConversationStatus] = mapped_column(
        enum_column(ConversationStatus, "conversation_status"),
        default=ConversationStatus.OPEN,
        index=True,
    )
    priority: Mapped[Priority] = mapped_column(
        enum_column(Priority, "priority"), default=Priority.NORMAL
    )
    subject: Mapped[str] = mapped_column(String(300), default="")
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), default=None, index=True
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None, index=True)
    escalation_risk: Mapped[float] = mapped_column(Float, default=0.0)
    trend: Mapped[str] = mapped_column(String(24), default="steady")
    upset: Mapped[float] = mapped_column(Float, default=0.0)
    cause: Mapped[str] = mapped_column(String(40), default="none")
    risk_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    customer_turns: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_customer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_agent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    customer: Mapped[Customer] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")


class Turn(Base):
    """One message; `seq` orders turns within a conversation, `idempotency_key` dedupes posts."""

    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    author_role: Mapped[AuthorRole] = mapped_column(enum_column(AuthorRole, "author_role"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    text: Mapped[str] = mapped_column(Text)
    signals: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    review: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActionTaken(CreatedAt, Base):
    """A1 "what was done": refunds issued, replacements sent, calls made..."""

    __tablename__ = "actions_taken"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    kind: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")


class Commitment(CreatedAt, Base):
    """A2: a promise made in a reply, whether it was kept and whether the customer was told."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    source_turn_id: Mapped[int | None] = mapped_column(ForeignKey("turns.id"), default=None)
    action: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    owner: Mapped[str] = mapped_column(String(200), default="")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    status: Mapped[CommitmentStatus] = mapped_column(
        enum_column(CommitmentStatus, "commitment_status"), default=CommitmentStatus.OPEN
    )
    customer_told: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Escalation(CreatedAt, Base):
    """P14: who handed the case to whom, why, by which rule, with the hand-off summary."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    to_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    reason: Mapped[str] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(String(80), default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(24), default="escalation")


class RuleFiring(Base):
    """Every time an escalation rule matched, with its reason (whether or not it escalated)."""

    __tablename__ = "rule_firings"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    turn_id: Mapped[int | None] = mapped_column(ForeignKey("turns.id"), default=None)
    rule: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), default=None)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FollowUp(CreatedAt, Base):
    """A3: check with the customer after resolution."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    outcome: Mapped[str] = mapped_column(Text, default="")
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Note(CreatedAt, Base):
    """An internal note on a conversation or a customer; customers never see notes."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id"), default=None, index=True
    )
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), default=None)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    text: Mapped[str] = mapped_column(Text)
