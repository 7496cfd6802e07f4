"""Staff API of the intake: merge two customer records after checking they are one person."""

from __future__ import annotations

from fastapi import APIRouter

from calmdesk.actions.intake import merge_customers
from calmdesk.web import access
from calmdesk.web.deps import ActionsDep, CurrentUser, SessionDep
from calmdesk.web.routes.api_reads import IdPath
from calmdesk.web.schemas import CustomerOut, ErrorOut, Id, ShortText, _In

__all__ = ["MergeIn", "router"]

router = APIRouter(
    prefix="/api/v1",
    responses={code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422, 503)},
)


class MergeIn(_In):
    into_customer_id: Id
    reason: ShortText


@router.post("/customers/{customer_id}/merge", response_model=CustomerOut, tags=["customers"])
def merge_customer(
    customer_id: IdPath, body: MergeIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> CustomerOut:  # fmt: skip
    """Move every conversation of `customer_id` to `into_customer_id` (e.g. a web visitor who is
    a known customer; a typed email never links them by itself). Staff who can see both."""
    access.customer_for(session, user, customer_id)
    access.customer_for(session, user, body.into_customer_id)
    session.commit()
    merged = merge_customers(
        actions, user.acting(), customer_id, body.into_customer_id, reason=body.reason
    )
    return CustomerOut.model_validate(merged)
