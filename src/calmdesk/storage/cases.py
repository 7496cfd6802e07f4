"""P15 resolution cases: one per dispute on a conversation, with every step taken on it.

`track` and `state` are the values of `calmdesk.analysis.cases` (Track, State), stored as short
strings; the state machine lives there. `resolution_steps` is the case's timeline: offers, answers,
positions, proposals, decisions, appeals and what the timers did, each with who and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt
from calmdesk.storage.types import JSONType, UTCDateTime, utcnow

__all__ = ["ResolutionCase", "ResolutionStep"]


class ResolutionCase(CreatedAt, Base):
    """A dispute the agent could not settle: negotiation, mediation or arbitration."""

    __tablename__ = "resolution_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    track: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(24), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[float | None] = mapped_column(Float, default=None)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    mediator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), default=None, index=True
    )
    proposal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decision_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    first_arbitrator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decision: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    appeal_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResolutionStep(CreatedAt, Base):
    """One step on a case; `data` holds what the step recorded (text, side, answer, offer id...)."""

    __tablename__ = "resolution_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("resolution_cases.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    state_before: Mapped[str] = mapped_column(String(24))
    state_after: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(200))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    seq: Mapped[int] = mapped_column(Integer, default=0)
