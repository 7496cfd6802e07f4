"""Role-play practice (V5): scenarios assigned to agents or teams, sessions, trainer comments.

A session stores the trainee's replies and its seed; the simulated customer is deterministic, so the
whole conversation is rebuilt from them. `result` keeps the last `calmdesk roleplay run` object and
`steps` each reply's review score and failed checks, for the debrief and progress per check.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt
from calmdesk.storage.types import JSONType, UTCDateTime

__all__ = ["PracticeAssignment", "PracticeComment", "PracticeScenario", "PracticeSession"]


class PracticeAssignment(CreatedAt, Base):
    """A scenario a trainer gave to one agent (`user_id`) or a whole team (`team_id`)."""

    __tablename__ = "practice_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None, index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    coaching: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class PracticeSession(CreatedAt, Base):
    """One practice conversation of one trainee with a simulated customer."""

    __tablename__ = "practice_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("practice_assignments.id"), default=None, index=True
    )
    seed: Mapped[int] = mapped_column(Integer, default=0)
    coaching: Mapped[bool] = mapped_column(default=True)
    replies: Mapped[list[str]] = mapped_column(JSONType, default=list)
    outcome: Mapped[str] = mapped_column(String(24), default="ongoing")
    finished: Mapped[bool] = mapped_column(default=False)
    score: Mapped[int | None] = mapped_column(Integer, default=None)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class PracticeComment(CreatedAt, Base):
    """A trainer's comment on a trainee's session."""

    __tablename__ = "practice_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("practice_sessions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)


class PracticeScenario(CreatedAt, Base):
    """A scenario made from a real conversation ("Practise this case"), anonymised, for one team.

    `body` is the scenario mapping (the shipped YAML's shape); `id` is `case-<number>`."""

    __tablename__ = "practice_scenarios"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source_conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
