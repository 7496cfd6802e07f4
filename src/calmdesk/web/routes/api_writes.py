"""API routes that change records. Each validates, authorises, then calls one action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool

from calmdesk import actions as act
from calmdesk.actions.context import ActionContext
from calmdesk.actions.sessions import issue_chat_token
from calmdesk.actions.turns import PostedTurn
from calmdesk.web import access, loop_reads
from calmdesk.web.deps import (
    ActionsDep,
    CurrentPrincipal,
    CurrentUser,
    CustomerPrincipal,
    SessionDep,
    StaffPrincipal,
)
from calmdesk.web.fastjson import as_json
from calmdesk.web.routes.api_reads import IdPath
from calmdesk.web.schemas import (
    ChatTurnOut,
    CommitmentDoneIn,
    CommitmentOut,
    ConversationCreate,
    ConversationCreated,
    ConversationSummary,
    CustomerOut,
    EscalateIn,
    EscalationOut,
    FollowUpDoneIn,
    FollowUpIn,
    FollowUpOut,
    NoteIn,
    NoteOut,
    PostedTurnOut,
    ReasonIn,
    ResolveIn,
    TextIn,
)

__all__ = ["router"]

router = APIRouter()

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique printable string; a retry with the same key stores nothing new.",
    ),
]


def _posted(posted: PostedTurn, staff: bool) -> Response:
    """201 stored, 200 an idempotent replay; written once (`web.fastjson`)."""
    turn = posted.turn
    answer = PostedTurnOut(
        created=posted.created,
        turn=ChatTurnOut.model_validate(turn),
        signals=turn.signals if staff else None,
        review=turn.review if staff else None,
        escalated=bool(posted.firings and any(f.escalation_id for f in posted.firings)),
    )
    return as_json(answer, 201 if posted.created else 200)


@router.post(
    "/conversations", status_code=201, response_model=ConversationCreated, tags=["conversations"]
)
def create_conversation(
    body: ConversationCreate, user: CurrentUser, actions: ActionsDep, session: SessionDep
) -> ConversationCreated:
    """Open a case for a customer in the caller's team; returns a chat token for the customer.

    Staff may only name a customer they can already see (one with a conversation in their
    scope); an admin may name any. Otherwise 404, as for a customer that does not exist."""
    access.customer_for(session, user, body.customer_id)
    conversation = act.open_conversation(
        actions, user.acting(), customer_id=body.customer_id, channel=body.channel.value,
        subject=body.subject, team_id=user.team_id, priority=body.priority.value,
    )  # fmt: skip
    if body.text is not None:
        act.add_customer_turn(actions, user.acting(), conversation.id, body.text)
    token, _ = issue_chat_token(actions, user.acting(), conversation.id)
    summary = ConversationSummary.model_validate(conversation)
    return ConversationCreated(conversation=summary, chat_token=token)


@router.post(
    "/conversations/{conversation_id}/turns",
    response_model=PostedTurnOut,
    responses={201: {"model": PostedTurnOut, "description": "Stored"}},
    tags=["conversations", "chat"],
)
async def post_customer_turn(
    request: Request, conversation_id: IdPath, body: TextIn, principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """A customer message (the chat customer, or staff recording one); 201 stored, 200 replay.

    On a SQLite file the access check reads on the event loop (`web.loop_reads`) and only the
    action runs in the thread pool; elsewhere both run there, in one hand-over."""
    actions: ActionContext = request.app.state.actions
    if loop_reads.on_loop(request):
        await loop_reads.read(request, access.conversation_status_for, principal, conversation_id)
        posted = await run_in_threadpool(
            _add_customer_turn, actions, principal, conversation_id, body.text, idempotency_key
        )
    else:
        posted = await run_in_threadpool(
            _checked_customer_turn, actions, principal, conversation_id, body.text, idempotency_key
        )
    return _posted(posted, isinstance(principal, StaffPrincipal))


def _add_customer_turn(
    actions: ActionContext, principal: StaffPrincipal | CustomerPrincipal, conversation_id: int,
    text: str, key: str | None,
) -> PostedTurn:  # fmt: skip
    return act.add_customer_turn(
        actions, principal.acting(), conversation_id, text, idempotency_key=key
    )


def _checked_customer_turn(
    actions: ActionContext, principal: StaffPrincipal | CustomerPrincipal, conversation_id: int,
    text: str, key: str | None,
) -> PostedTurn:  # fmt: skip
    with actions.sessions() as session:
        access.conversation_status_for(session, principal, conversation_id)  # NotFound, or held
    return _add_customer_turn(actions, principal, conversation_id, text, key)


@router.post(
    "/conversations/{conversation_id}/replies",
    response_model=PostedTurnOut,
    responses={201: {"model": PostedTurnOut, "description": "Stored"}},
    tags=["conversations"],
)
def post_agent_reply(
    conversation_id: IdPath, body: TextIn,
    user: CurrentUser, session: SessionDep, actions: ActionsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Send an agent reply: reviewed against the playbook, its promises recorded (A2)."""
    access.conversation_status_for(session, user, conversation_id)  # NotFound, or held
    posted = act.send_agent_reply(
        actions, user.acting(), conversation_id, body.text, idempotency_key=idempotency_key
    )
    return _posted(posted, True)


@router.post(
    "/conversations/{conversation_id}/escalate",
    status_code=201,
    response_model=EscalationOut,
    tags=["conversations"],
)
def escalate_conversation(
    conversation_id: IdPath, body: EscalateIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> EscalationOut:  # fmt: skip
    """P14: hand the case to a supervisor (default: the team's), a person or a team."""
    access.conversation_for(session, user, conversation_id)
    access.require_team(session, body.to_team_id)
    row = act.escalate(
        actions, user.acting(), conversation_id, body.reason,
        to_user_id=body.to_user_id, to_team_id=body.to_team_id,
    )  # fmt: skip
    return EscalationOut.model_validate(row)


@router.post(
    "/conversations/{conversation_id}/resolve",
    response_model=ConversationSummary,
    tags=["conversations"],
)
def resolve(
    conversation_id: IdPath, body: ResolveIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> ConversationSummary:  # fmt: skip
    """Record the outcome; a follow-up (A3) is scheduled automatically."""
    access.conversation_for(session, user, conversation_id)
    conversation, _ = act.resolve_conversation(
        actions, user.acting(), conversation_id, body.outcome
    )
    return ConversationSummary.model_validate(conversation)


@router.post(
    "/conversations/{conversation_id}/notes",
    status_code=201,
    response_model=NoteOut,
    tags=["conversations"],
)
def add_note(
    conversation_id: IdPath, body: NoteIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> NoteOut:  # fmt: skip
    """An internal note; customers never see notes."""
    access.conversation_for(session, user, conversation_id)
    note = act.add_note(actions, user.acting(), body.text, conversation_id=conversation_id)
    return NoteOut.model_validate(note)


@router.post(
    "/conversations/{conversation_id}/follow-ups",
    status_code=201,
    response_model=FollowUpOut,
    tags=["follow-ups"],
)
def schedule_follow_up(
    conversation_id: IdPath, body: FollowUpIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> FollowUpOut:  # fmt: skip
    """A3: check with the customer at `due_at`."""
    access.conversation_for(session, user, conversation_id)
    row = act.schedule_follow_up(actions, user.acting(), conversation_id, body.due_at)
    return FollowUpOut.model_validate(row)


@router.post("/follow-ups/{follow_up_id}/complete", response_model=FollowUpOut, tags=["follow-ups"])
def complete_follow_up(
    follow_up_id: IdPath, body: FollowUpDoneIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> FollowUpOut:  # fmt: skip
    """A3 done, with what the customer said."""
    access.follow_up_for(session, user, follow_up_id)
    row = act.complete_follow_up(actions, user.acting(), follow_up_id, body.outcome)
    return FollowUpOut.model_validate(row)


@router.post(
    "/commitments/{commitment_id}/complete", response_model=CommitmentOut, tags=["commitments"]
)
def complete_commitment(
    commitment_id: IdPath, body: CommitmentDoneIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> CommitmentOut:  # fmt: skip
    """A2: the promise was kept (optionally: and the customer was told)."""
    access.commitment_for(session, user, commitment_id)
    row = act.complete_commitment(
        actions, user.acting(), commitment_id, customer_told=body.customer_told
    )
    return CommitmentOut.model_validate(row)


@router.post(
    "/commitments/{commitment_id}/told", response_model=CommitmentOut, tags=["commitments"]
)
def mark_told(
    commitment_id: IdPath, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> CommitmentOut:
    """A2: record that the customer was told the promise is done."""
    access.commitment_for(session, user, commitment_id)
    return CommitmentOut.model_validate(
        act.mark_customer_told(actions, user.acting(), commitment_id)
    )


_STANDING = {
    "warn": act.warn_customer,
    "block": act.block_customer,
    "unblock": act.unblock_customer,
}


def _standing(
    verb: str, customer_id: int, body: ReasonIn, user: StaffPrincipal, session: SessionDep,
    actions: ActionsDep,
) -> CustomerOut:  # fmt: skip
    access.customer_for(session, user, customer_id)
    if verb != "warn":
        access.require_supervisor_of(user, verb)
    return CustomerOut.model_validate(
        _STANDING[verb](actions, user.acting(), customer_id, body.reason)
    )


@router.post("/customers/{customer_id}/warn", response_model=CustomerOut, tags=["customers"])
def warn_customer(
    customer_id: IdPath, body: ReasonIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> CustomerOut:  # fmt: skip
    """P13: warn a customer that insults are not accepted (recorded with the reason)."""
    return _standing("warn", customer_id, body, user, session, actions)


@router.post("/customers/{customer_id}/block", response_model=CustomerOut, tags=["customers"])
def block_customer(
    customer_id: IdPath, body: ReasonIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> CustomerOut:  # fmt: skip
    """P13 last resort (supervisor or admin): end the relationship, with the reason."""
    return _standing("block", customer_id, body, user, session, actions)


@router.post("/customers/{customer_id}/unblock", response_model=CustomerOut, tags=["customers"])
def unblock_customer(
    customer_id: IdPath, body: ReasonIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> CustomerOut:  # fmt: skip
    """Lift a block (supervisor or admin), with the reason."""
    return _standing("unblock", customer_id, body, user, session, actions)
