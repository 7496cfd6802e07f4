"""The desk's tables: who is online, how each team routes and works, SLAs, tags, macros, history.

desk_agents        presence and capacity of each staff member (online, last seen, last assigned)
team_settings      per team: routing mode and capacity, time zone, business hours, holidays
sla_policies       SLA targets by priority, tier, channel and team (packaged defaults apply
                   while none is defined)
conversation_slas  the due times of one conversation and the nearest one (`due_at`)
sla_outcomes       each target met or missed, once (analytics reads these)
assignments        every change of hands: claim, assign, hand back, auto, escalation
conversation_tags  free tags on a case
macros             saved replies per team, with the checks they fail
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt
from calmdesk.storage.records import Conversation
from calmdesk.storage.types import JSONType, UTCDateTime, utcnow

__all__ = [
    "Assignment",
    "ConversationSla",
    "ConversationTag",
    "DeskAgent",
    "Macro",
    "SlaOutcome",
    "SlaPolicy",
    "TeamSettings",
]


class DeskAgent(Base):
    """Presence of one staff member; `capacity` None means the team's default."""

    __tablename__ = "desk_agents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="online")
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class TeamSettings(Base):
    """How one team routes work and when it works (missing row: the packaged defaults)."""

    __tablename__ = "team_settings"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    routing_mode: Mapped[str] = mapped_column(String(24), default="least_open")
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    business_hours: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    holidays: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SlaPolicy(CreatedAt, Base):
    """SLA targets in minutes; None in a match field means any value."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    priority: Mapped[str | None] = mapped_column(String(24), default=None)
    tier: Mapped[str | None] = mapped_column(String(40), default=None)
    channel: Mapped[str | None] = mapped_column(String(24), default=None)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    next_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ConversationSla(Base):
    """The SLA clock of one conversation; `due_at` is the nearest pending target."""

    __tablename__ = "conversation_slas"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    policy: Mapped[str] = mapped_column(String(80))
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    next_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    due_metric: Mapped[str] = mapped_column(String(24), default="")
    warned_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    breached_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class SlaOutcome(Base):
    """One SLA target met or missed (recorded once per conversation, metric and due time)."""

    __tablename__ = "sla_outcomes"
    __table_args__ = (UniqueConstraint("conversation_id", "metric", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    policy: Mapped[str] = mapped_column(String(80))
    metric: Mapped[str] = mapped_column(String(24))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    met: Mapped[bool] = mapped_column(Boolean)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Assignment(CreatedAt, Base):
    """One change of hands; `kind` is claim, assign, hand_back, auto or escalation."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    from_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), default=None, index=True
    )
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    to_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")


class ConversationTag(Base):
    __tablename__ = "conversation_tags"
    __table_args__ = (UniqueConstraint("conversation_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    tag: Mapped[str] = mapped_column(String(40), index=True)


class Macro(CreatedAt, Base):
    """A saved reply of a team; `failed_checks` lists the playbook checks its text fails."""

    __tablename__ = "macros"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    failed_checks: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# The queue's default order and search results (newest first) walk this index (migration 0004).
UPDATED_AT_INDEX = Index("ix_conversations_updated_at", Conversation.__table__.c.updated_at)
