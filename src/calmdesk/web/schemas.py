"""Request and response models of the `/api/v1` API (they are what the OpenAPI schema shows)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from calmdesk.storage.enums import (
    AuthorRole,
    Channel,
    CommitmentStatus,
    ConversationStatus,
    CustomerStanding,
    Priority,
    UserRole,
)

__all__ = [
    "MAX_ID",
    "ChatTurnOut",
    "ChatView",
    "CommitmentDoneIn",
    "CommitmentOut",
    "ConversationCreate",
    "ConversationCreated",
    "ConversationDetail",
    "ConversationSummary",
    "CustomerOut",
    "ErrorOut",
    "ExportOut",
    "EscalateIn",
    "EscalationOut",
    "FollowUpIn",
    "FollowUpOut",
    "FollowUpDoneIn",
    "Health",
    "LoginIn",
    "MeOut",
    "NoteIn",
    "NoteOut",
    "Page",
    "PostedTurnOut",
    "ReasonIn",
    "ResolveIn",
    "ReviewIn",
    "ReviewOut",
    "SuggestIn",
    "SuggestOut",
    "TextIn",
    "TurnOut",
    "UserOut",
]

MAX_ID = 2_147_483_647
"""Largest id a path or body may name (the id columns are 32-bit on PostgreSQL)."""


def _clean(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    if not value.strip():
        raise ValueError("must not be empty or only spaces")
    return value.strip()


Text = Annotated[str, Field(min_length=1, max_length=20_000), AfterValidator(_clean)]
ShortText = Annotated[str, Field(min_length=1, max_length=2_000), AfterValidator(_clean)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: str


class LoginIn(_In):
    username: Annotated[str, Field(min_length=1, max_length=80)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class UserOut(_Out):
    id: int
    username: str
    display_name: str
    role: UserRole
    team_id: int | None


class MeOut(BaseModel):
    """Who the caller is: a staff member (with the CSRF token of a cookie session) or a customer."""

    kind: Literal["user", "customer"]
    user: UserOut | None = None
    csrf_token: str | None = None
    customer_id: int | None = None
    conversation_id: int | None = None


class CustomerOut(_Out):
    id: int
    external_id: str | None
    name: str
    email: str | None
    phone: str | None
    tier: str
    orders_count: int
    lifetime_value: float
    complaints_count: int
    contacts_count: int
    bad_experiences: list[str]
    standing: CustomerStanding
    standing_reason: str
    warnings_count: int
    blocked_at: datetime | None
    created_at: datetime


class ReasonIn(_In):
    reason: ShortText


class ConversationSummary(_Out):
    """A queue row."""

    id: int
    external_id: str | None
    customer_id: int
    channel: Channel
    status: ConversationStatus
    priority: Priority
    subject: str
    assignee_id: int | None
    team_id: int | None
    escalation_risk: float
    trend: str
    upset: float
    cause: str
    customer_turns: int
    opened_at: datetime
    updated_at: datetime
    last_customer_at: datetime | None
    sla_due_at: datetime | None = None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class TurnOut(_Out):
    id: int
    seq: int
    author_role: AuthorRole
    author_user_id: int | None
    text: str
    signals: dict[str, Any] | None
    review: dict[str, Any] | None
    created_at: datetime


class CommitmentOut(_Out):
    id: int
    source_turn_id: int | None
    action: str
    due_at: datetime | None
    owner: str
    owner_user_id: int | None
    status: CommitmentStatus
    customer_told: bool
    completed_at: datetime | None


class EscalationOut(_Out):
    id: int
    from_user_id: int | None
    to_user_id: int | None
    to_team_id: int | None
    reason: str
    rule: str | None
    summary: str
    kind: str
    created_at: datetime


class FollowUpOut(_Out):
    id: int
    conversation_id: int
    due_at: datetime
    done: bool
    done_at: datetime | None
    outcome: str


class NoteOut(_Out):
    id: int
    author_id: int | None
    text: str
    created_at: datetime


class ConversationDetail(ConversationSummary):
    """Everything staff see about one conversation (A1)."""

    risk_reasons: list[str]
    outcome: str
    resolved_at: datetime | None
    customer: CustomerOut
    turns: list[TurnOut]
    commitments: list[CommitmentOut]
    escalations: list[EscalationOut]
    follow_ups: list[FollowUpOut]
    notes: list[NoteOut]


class ChatTurnOut(_Out):
    """A turn as the customer sees it: no signals, no review."""

    id: int
    seq: int
    author_role: AuthorRole
    text: str
    created_at: datetime


class ChatView(BaseModel):
    id: int
    status: ConversationStatus
    turns: list[ChatTurnOut]


class ConversationCreate(_In):
    customer_id: Id
    channel: Channel = Channel.CHAT
    subject: Annotated[str, Field(max_length=300)] = ""
    priority: Priority = Priority.NORMAL
    text: Text | None = None


class TextIn(_In):
    text: Text


class EscalateIn(_In):
    reason: ShortText
    to_user_id: Id | None = None
    to_team_id: Id | None = None


class ResolveIn(_In):
    outcome: ShortText


class NoteIn(_In):
    text: ShortText


def _sane_when(value: datetime) -> datetime:
    """A date calmdesk can store and compute with: in UTC between 1970 and 2200."""
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("must be a date between 1970 and 2200") from None
    if not 1970 <= utc.year <= 2200:
        raise ValueError("must be a date between 1970 and 2200")
    return value


class FollowUpIn(_In):
    due_at: Annotated[AwareDatetime, AfterValidator(_sane_when)]


class CommitmentDoneIn(_In):
    customer_told: bool = False


class ConversationCreated(BaseModel):
    conversation: ConversationSummary
    chat_token: str


class PostedTurnOut(BaseModel):
    """A stored turn; `created` is false when an idempotent retry found it already stored.

    `signals` (customer turns) and `review` (agent replies) are shown to staff only.
    """

    created: bool
    turn: ChatTurnOut
    signals: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    escalated: bool = False


class FollowUpDoneIn(_In):
    outcome: ShortText


class ReviewIn(_In):
    conversation_id: Id
    draft: Text


class SpanOut(BaseModel):
    start: int
    end: int
    text: str
    label: str = ""


class CheckOut(BaseModel):
    check: str
    name: str
    status: str
    severity: str
    fix: str
    evidence: list[SpanOut]


class ToneProblemOut(BaseModel):
    kind: str
    span: SpanOut


class PromiseOut(BaseModel):
    action: str
    due: datetime | None
    owner: str
    span: SpanOut


class ReviewOut(BaseModel):
    """A draft's review against the playbook checks; nothing is stored."""

    score: int
    checks: list[CheckOut]
    empathy: float
    apology: float
    politeness: float
    asks_question: float
    offers_solution: float
    tone_problems: list[ToneProblemOut]
    commitments: list[PromiseOut]
    reflection: float = 0.0
    blame: float = 0.0


class ExportOut(ConversationDetail):
    """One conversation's whole record (A1), for archives and hand-offs."""

    exported_at: datetime
    actions_taken: list[dict[str, Any]]
    rule_firings: list[dict[str, Any]]
    resolution_cases: list[dict[str, Any]] = []


class SuggestIn(_In):
    conversation_id: Id


class SuggestOut(BaseModel):
    """A reply to start from; `source` says who wrote it (offline composer or the model)."""

    text: str
    source: str
    review: ReviewOut
