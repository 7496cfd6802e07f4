"""P15 resolution cases over the API: open a case on a conversation, read it, take a step.

A step's body is typed by its `step` field (offer, answer, common_ground, agreed, not_agreed,
escalate, assign_mediator, position, proposal, accept, reject, decide, appeal, close); refusals
are coded E830-E840 (see docs/p15.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from calmdesk.actions.cases import open_case, take_step
from calmdesk.web import access
from calmdesk.web.console.cases_view import case_read
from calmdesk.web.deps import ActionsDep, CurrentUser, SessionDep, StaffPrincipal
from calmdesk.web.routes.api_reads import IdPath

__all__ = ["router"]

router = APIRouter(tags=["resolution"])

Words = Annotated[str, Field(min_length=1, max_length=4000)]
MaybeWords = Annotated[str, Field(max_length=4000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseOpenIn(_In):
    track: Literal["negotiation", "mediation", "arbitration"]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    amount: Annotated[float | None, Field(ge=0, le=1e12)] = None


class OfferIn(_In):
    step: Literal["offer"]
    text: Words


class AnswerIn(_In):
    step: Literal["answer"]
    offer_id: Annotated[int, Field(gt=0, lt=2**31)]
    answer: Literal["accepted", "declined", "countered"]
    text: MaybeWords = ""


class TextStepIn(_In):
    """Common ground found, the end of a negotiation, a proposal and the customer's answer to it."""

    step: Literal["common_ground", "agreed", "not_agreed", "proposal", "accept", "reject"]
    text: MaybeWords = ""


class EscalateIn(_In):
    step: Literal["escalate"]
    to: Literal["mediation", "arbitration"]
    reason: Words


class AssignMediatorIn(_In):
    step: Literal["assign_mediator"]
    user_id: Annotated[int, Field(gt=0, lt=2**31)]
    proposal_due_days: Annotated[int, Field(ge=1, le=60)] = 5


class PositionIn(_In):
    step: Literal["position"]
    side: Literal["customer", "company"]
    text: Words


class DecideIn(_In):
    step: Literal["decide"]
    decision: Words
    reasons: Words
    appeal_days: Annotated[int, Field(ge=1, le=90)] = 14


class ReasonStepIn(_In):
    step: Literal["appeal", "close"]
    reason: Words


StepIn = Annotated[
    OfferIn | AnswerIn | TextStepIn | EscalateIn | AssignMediatorIn | PositionIn | DecideIn
    | ReasonStepIn,
    Field(discriminator="step"),
]  # fmt: skip


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    step: str
    state_before: str
    state_after: str
    actor: str
    actor_user_id: int | None
    data: dict[str, Any]
    created_at: datetime


class CaseOut(BaseModel):
    """A case with its timeline; `allowed_steps` are the steps the caller may take now."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int
    track: str
    state: str
    reason: str
    amount: float | None
    mediator_id: int | None
    proposal_due_at: datetime | None
    decision_due_at: datetime | None
    first_arbitrator_id: int | None
    decided_by_id: int | None
    decision: str
    reasons: str
    decided_at: datetime | None
    appeal_until: datetime | None
    outcome: str
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    steps: list[StepOut] = []
    allowed_steps: list[str] = []


def _out(session: SessionDep, user: StaffPrincipal, case_id: int) -> CaseOut:
    read = case_read(session, user, case_id)
    out = CaseOut.model_validate(read.case)
    out.steps = [StepOut.model_validate(s) for s in read.steps]
    out.allowed_steps = read.allowed
    return out


@router.post("/conversations/{conversation_id}/resolution", status_code=201, response_model=CaseOut)
def open_resolution(
    conversation_id: IdPath, body: CaseOpenIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> CaseOut:  # fmt: skip
    """Open a resolution case (P15) on a conversation: negotiation (its staff), mediation or
    arbitration (supervisors and admins)."""
    access.conversation_for(session, user, conversation_id)
    case = open_case(actions, user.acting(), conversation_id, body.track, body.reason, body.amount)
    return _out(session, user, case.id)


@router.get("/resolution-cases/{case_id}", response_model=CaseOut)
def get_case(case_id: IdPath, user: CurrentUser, session: SessionDep) -> CaseOut:
    """The case, its steps, and the steps the caller may take now."""
    return _out(session, user, case_id)


@router.post("/resolution-cases/{case_id}/steps", status_code=201, response_model=CaseOut)
def post_step(
    case_id: IdPath, body: StepIn, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> CaseOut:
    """Take one step; the answer is the case after it."""
    case_read(session, user, case_id)  # 404 before anything for those who cannot see it
    data = body.model_dump(exclude={"step"})
    take_step(actions, user.acting(), case_id, body.step, data)
    session.expire_all()
    return _out(session, user, case_id)
