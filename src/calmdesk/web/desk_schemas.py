"""Request and response models of the desk's API routes (assignment, presence, tags, search)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from calmdesk.storage.enums import ConversationStatus
from calmdesk.web.schemas import Id, ShortText, _In, _Out

__all__ = [
    "AssignIn",
    "AssignmentOut",
    "HandBackIn",
    "MacroIn",
    "MacroOut",
    "PresenceIn",
    "PresenceOut",
    "SearchHit",
    "SlaPolicyIn",
    "SlaPolicyOut",
    "TeamSettingsIn",
    "TeamSettingsOut",
    "SearchOut",
    "TagIn",
    "TagsOut",
]

Tag = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[\w][\w\- ]{0,39}$")]


class AssignIn(_In):
    """Exactly one of `user_id` (a person) or `team_id` (that team's queue)."""

    user_id: Id | None = None
    team_id: Id | None = None
    reason: ShortText | None = None

    @model_validator(mode="after")
    def _one_target(self) -> AssignIn:
        if (self.user_id is None) == (self.team_id is None):
            raise ValueError("give exactly one of user_id or team_id")
        return self


class HandBackIn(_In):
    reason: ShortText | None = None


class AssignmentOut(_Out):
    """The conversation's hands after the change."""

    id: int
    status: ConversationStatus
    assignee_id: int | None
    team_id: int | None
    updated_at: datetime


class PresenceIn(_In):
    status: Literal["online", "away"]
    capacity: Annotated[int, Field(ge=1, le=500)] | None = None


class PresenceOut(_Out):
    user_id: int
    status: str
    capacity: int | None
    last_seen_at: datetime | None


class TagIn(_In):
    tag: Tag


class TagsOut(BaseModel):
    conversation_id: int
    tags: list[str]


class SearchHit(BaseModel):
    """A conversation (`kind: conversation`) or a customer (`kind: customer`)."""

    kind: Literal["conversation", "customer"]
    id: int
    title: str
    snippet: str = ""
    customer_id: int | None = None
    status: ConversationStatus | None = None
    opened_at: datetime | None = None
    tags: list[str] = []


class MacroIn(_In):
    title: Annotated[str, Field(min_length=1, max_length=120)]
    body: Annotated[str, Field(min_length=1, max_length=4000)]
    team_id: Id | None = None


class MacroOut(_Out):
    """`failed_checks` lists the playbook checks the text fails (flagged to its author)."""

    id: int
    team_id: int | None
    author_id: int | None
    title: str
    body: str
    failed_checks: list[str]
    updated_at: datetime


class TeamSettingsIn(_In):
    """A team's routing and working hours (see docs/desk.md); validated as a whole."""

    routing_mode: Literal["round_robin", "least_open", "manual"]
    capacity: Annotated[int, Field(ge=1, le=500)]
    timezone: Annotated[str, Field(min_length=1, max_length=64)]
    business_hours: dict[str, Any]
    holidays: Annotated[list[Annotated[str, Field(max_length=10)]], Field(max_length=366)] = []


class TeamSettingsOut(_Out):
    team_id: int
    routing_mode: str
    capacity: int
    timezone: str
    business_hours: dict[str, Any]
    holidays: list[str]
    updated_at: datetime


class SlaPolicyIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    first_response_minutes: Annotated[int, Field(ge=1, le=525_600)]
    next_response_minutes: Annotated[int, Field(ge=1, le=525_600)]
    resolution_minutes: Annotated[int, Field(ge=1, le=525_600)]
    priority: Annotated[str, Field(max_length=24)] | None = None
    tier: Annotated[str, Field(max_length=40)] | None = None
    channel: Annotated[str, Field(max_length=24)] | None = None
    team_id: Id | None = None
    business_hours: bool = True


class SlaPolicyOut(_Out):
    id: int
    name: str
    first_response_minutes: int
    next_response_minutes: int
    resolution_minutes: int
    priority: str | None
    tier: str | None
    channel: str | None
    team_id: int | None
    business_hours: bool
    active: bool


class SearchOut(BaseModel):
    items: list[SearchHit]


SinceUntil = AwareDatetime
