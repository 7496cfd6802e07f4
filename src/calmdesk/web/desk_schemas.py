"""Request and response models of the desk's API routes (assignment, presence, tags, search)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

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


class SearchOut(BaseModel):
    items: list[SearchHit]


SinceUntil = AwareDatetime
