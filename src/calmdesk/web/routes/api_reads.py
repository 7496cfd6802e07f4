"""Read-only API routes: the queue, one conversation, the chat view, customers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from calmdesk.storage.enums import Channel, ConversationStatus, Priority
from calmdesk.web import access, loop_reads, queries
from calmdesk.web.deps import (
    CurrentPrincipal,
    CurrentUser,
    CustomerPrincipal,
    SessionDep,
    StaffPrincipal,
)
from calmdesk.web.fastjson import as_json
from calmdesk.web.schemas import (
    MAX_ID,
    ChatTurnOut,
    ChatView,
    ConversationDetail,
    ConversationSummary,
    CustomerOut,
    Page,
)

__all__ = ["IdPath", "conversation_detail", "router"]

router = APIRouter()

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200, description="Rows per page (1-200).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")]
_ASSIGNEE_HELP = "`me`, `none` (unassigned) or a user id."


def conversation_detail(
    session: Session, user: StaffPrincipal, conversation_id: int
) -> ConversationDetail:
    """The whole visible record of one conversation (NotFound when not visible)."""
    conversation = access.conversation_for(session, user, conversation_id, read=True)
    parts = queries.conversation_parts(session, conversation_id)
    base = ConversationSummary.model_validate(conversation).model_dump()
    extra = {
        "risk_reasons": conversation.risk_reasons,
        "outcome": conversation.outcome,
        "resolved_at": conversation.resolved_at,
        "customer": CustomerOut.model_validate(conversation.customer),
    }
    return ConversationDetail.model_validate({**base, **extra, **parts})


def _assignee(value: str | None, me: int) -> tuple[int | None, bool]:
    if value is None:
        return None, False
    if value == "me":
        return me, False
    if value == "none":
        return None, True
    return int(value), False


@router.get("/conversations", response_model=Page[ConversationSummary], tags=["conversations"])
async def list_conversations(
    request: Request,
    user: CurrentUser,
    status: Annotated[list[ConversationStatus] | None, Query(max_length=5)] = None,
    channel: Channel | None = None,
    priority: Priority | None = None,
    assignee: Annotated[str | None, Query(pattern=r"^(me|none|[1-9][0-9]{0,8})$")] = None,
    team_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    sort: queries.SortKey = queries.SortKey.UPDATED_AT,
    order: Annotated[
        queries.SortOrder | None,
        Query(description="`asc` or `desc`; default desc, but nearest first for `sla_due`."),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """The queue: what the caller may see (agent: own and unassigned in team; supervisor: team).

    Read on the event loop on a SQLite file (`web.loop_reads`), else in the thread pool."""
    assignee_id, unassigned = _assignee(assignee, user.user_id)
    if order is None:
        nearest = sort is queries.SortKey.SLA_DUE
        order = queries.SortOrder.ASC if nearest else queries.SortOrder.DESC
    filters = queries.QueueFilters(
        tuple(status or ()), channel, priority, assignee_id, unassigned, team_id, customer_id,
        sort, order, limit, offset,
    )  # fmt: skip
    return await loop_reads.read(request, _queue_page, user, filters)


def _queue_page(session: Session, user: StaffPrincipal, filters: queries.QueueFilters) -> Response:
    if filters.sort is queries.SortKey.SLA_DUE:
        items, total = summaries_apart(session, user, filters)
    else:  # the same rows and due times, read as columns in one statement
        found, total = queries.queue_summaries(session, user, filters)
        items = [ConversationSummary.model_validate(row) for row in found]
    session.commit()  # the read ends where it ran: the session then closes on the event loop
    page = Page[ConversationSummary](
        items=items, total=total, limit=filters.limit, offset=filters.offset
    )
    return as_json(page)


def summaries_apart(
    session: Session, user: StaffPrincipal, filters: queries.QueueFilters
) -> tuple[list[ConversationSummary], int]:
    """The queue page read as conversations, then their SLA due times (the order by due time
    needs them); the other orders read both as columns in one statement
    (`queries.queue_summaries`), which lists the same."""
    rows, total = queries.queue_page(session, user, filters)
    dues = queries.sla_dues(session, [r.id for r in rows])
    items = []
    for row in rows:
        item = ConversationSummary.model_validate(row)
        item.sla_due_at = dues.get(row.id)
        items.append(item)
    return items, total


@router.get(
    "/conversations/{conversation_id}", response_model=ConversationDetail, tags=["conversations"]
)
def get_conversation(
    conversation_id: IdPath, user: CurrentUser, session: SessionDep
) -> ConversationDetail:
    """One conversation with its turns (signals, review), promises, escalations and notes."""
    return conversation_detail(session, user, conversation_id)


@router.get("/conversations/{conversation_id}/chat", response_model=ChatView, tags=["chat"])
async def get_chat(
    request: Request, conversation_id: IdPath, principal: CurrentPrincipal
) -> Response:
    """The conversation as its customer sees it (no signals, reviews or notes).

    Read on the event loop on a SQLite file (`web.loop_reads`), else in the thread pool."""
    return await loop_reads.read(request, _chat_view, principal, conversation_id)


def _chat_view(
    session: Session, principal: StaffPrincipal | CustomerPrincipal, conversation_id: int
) -> Response:
    status = access.conversation_status_for(
        session, principal, conversation_id, read=True, end=False
    )
    turns = [ChatTurnOut.model_validate(t) for t in queries.chat_turns(session, conversation_id)]
    session.commit()  # one read transaction, ended where it ran (then closed on the loop)
    return as_json(ChatView(id=conversation_id, status=status, turns=turns))


@router.get("/customers", response_model=Page[CustomerOut], tags=["customers"])
def list_customers(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[CustomerOut]:
    """Customers the caller can see through at least one conversation (admins: all)."""
    rows, total = queries.customers_page(session, user, limit, offset)
    items = [CustomerOut.model_validate(r) for r in rows]
    return Page[CustomerOut](items=items, total=total, limit=limit, offset=offset)


@router.get("/customers/{customer_id}", response_model=CustomerOut, tags=["customers"])
def get_customer(customer_id: IdPath, user: CurrentUser, session: SessionDep) -> CustomerOut:
    """A customer's profile, history figures and standing (V6, C4)."""
    return CustomerOut.model_validate(access.customer_for(session, user, customer_id))
