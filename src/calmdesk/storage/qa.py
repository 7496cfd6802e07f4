"""Conversation QA records (issue 12): scorecards, analysts' overrides, agents' responses, CSAT.

A scorecard keeps the rubric's automatic result; an override sits beside it (never replaces it),
so calibration can count how often analysts disagree with each criterion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt
from calmdesk.storage.records import Conversation
from calmdesk.storage.types import JSONType, UTCDateTime, utcnow

__all__ = ["RETURNS_INDEX", "CsatSurvey", "QaFailure", "QaOverride", "QaResponse", "QaScorecard"]


class QaScorecard(Base):
    """The latest automatic scorecard of one conversation (`calmdesk qa --db`)."""

    __tablename__ = "qa_scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    agent_turns: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None, index=True)
    channel: Mapped[str] = mapped_column(String(24), default="chat")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # the outcome again as columns, for the analytics queries (same values as `outcome`)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id"), default=None, index=True
    )
    cause: Mapped[str] = mapped_column(String(40), default="none")
    recovered: Mapped[bool | None] = mapped_column(default=None)
    first_response_s: Mapped[float | None] = mapped_column(Float, default=None)
    resolution_s: Mapped[float | None] = mapped_column(Float, default=None)
    promises_made: Mapped[int] = mapped_column(Integer, default=0)
    promises_kept: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[bool] = mapped_column(default=False)
    repeat_contact: Mapped[bool] = mapped_column(default=False)
    follow_up_done: Mapped[bool | None] = mapped_column(default=None)
    review_score: Mapped[float | None] = mapped_column(Float, default=None)
    week: Mapped[str] = mapped_column(String(10), default="")  # Monday of the opening week
    retention_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class QaFailure(Base):
    """One failed criterion of a scorecard (the analytics count them per agent in SQL)."""

    __tablename__ = "qa_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecards.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(60))


class QaOverride(CreatedAt, Base):
    """An analyst's verdict on one criterion, beside the automatic one, with the reason."""

    __tablename__ = "qa_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecards.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(60), index=True)
    automatic: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text)
    analyst_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class QaResponse(CreatedAt, Base):
    """The agent's answer to a scorecard: `acknowledge` or `dispute`, with a comment."""

    __tablename__ = "qa_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecards.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    kind: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text, default="")


class CsatSurvey(CreatedAt, Base):
    """The one satisfaction question a customer gets after resolution (A3), and the answer."""

    __tablename__ = "csat_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24), default="chat")
    asked_turn_id: Mapped[int | None] = mapped_column(ForeignKey("turns.id"), default=None)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    score: Mapped[int | None] = mapped_column(Integer, default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id"), default=None)


RETURNS_INDEX = Index(
    "ix_conversations_customer_id_opened_at",
    Conversation.__table__.c.customer_id,
    Conversation.__table__.c.opened_at,
)
"""Whether a customer came back after a complaint (analytics retention) reads this index."""
