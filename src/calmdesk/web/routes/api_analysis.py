"""Analysis for the console (review a draft, suggest a reply; nothing stored) and exports."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from calmdesk.actions.cases import case_records
from calmdesk.actions.turns import to_domain
from calmdesk.domain import EmptyInput, to_jsonable
from calmdesk.web import access, queries
from calmdesk.web.deps import ActionsDep, CurrentUser, SessionDep
from calmdesk.web.export import EXPORT_HEADERS, render_export_html
from calmdesk.web.routes.api_reads import IdPath, conversation_detail
from calmdesk.web.schemas import ExportOut, ReviewIn, ReviewOut, SuggestIn, SuggestOut

__all__ = ["router"]

router = APIRouter()


@router.post("/review", response_model=ReviewOut, tags=["analysis"])
def review(
    body: ReviewIn, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> ReviewOut:
    """Review a draft reply against the playbook checks before it is sent (stores nothing)."""
    access.conversation_for(session, user, body.conversation_id)
    turns = queries.turns_of(session, body.conversation_id)
    result = actions.analysis.review(
        to_domain(body.conversation_id, turns), body.draft, actions.now()
    )
    return ReviewOut.model_validate(to_jsonable(result))


@router.post("/suggest", response_model=SuggestOut, tags=["analysis"])
def suggest(
    body: SuggestIn, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> SuggestOut:
    """A suggested next reply (offline composer unless an LLM is configured), with its review."""
    from calmdesk.analysis.suggest import suggest_reply
    from calmdesk.storage.enums import ConversationStatus

    row = access.conversation_for(session, user, body.conversation_id)
    handed_over = row.status is ConversationStatus.ESCALATED  # only then may it say so
    turns = queries.turns_of(session, body.conversation_id)
    conversation = to_domain(body.conversation_id, turns)
    if not conversation.customer_turns():
        raise EmptyInput("The conversation has no customer message to answer yet.")
    analysis = actions.analysis.analyze(conversation)
    result = suggest_reply(
        conversation, analysis, now=actions.now(), config=actions.settings, handed_over=handed_over
    )
    review = ReviewOut.model_validate(to_jsonable(result.review))
    return SuggestOut(text=result.text, source=result.source, review=review)


def _export(session: SessionDep, user: CurrentUser, conversation_id: int, now: object) -> ExportOut:
    detail = conversation_detail(session, user, conversation_id)
    extras = queries.export_extras(session, conversation_id)
    extras["resolution_cases"] = case_records(session, conversation_id)  # P15
    return ExportOut.model_validate({**detail.model_dump(), **extras, "exported_at": now})


@router.get(
    "/conversations/{conversation_id}/export.json", response_model=ExportOut, tags=["export"]
)
def export_json(
    conversation_id: IdPath, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> ExportOut:
    """The whole record of one conversation (A1) as JSON."""
    return _export(session, user, conversation_id, actions.now())


@router.get(
    "/conversations/{conversation_id}/export.html",
    tags=["export"],
    response_class=Response,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
def export_html(
    conversation_id: IdPath, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> Response:
    """The whole record of one conversation (A1) as a readable HTML page."""
    record = _export(session, user, conversation_id, actions.now())
    return HTMLResponse(render_export_html(record), headers=EXPORT_HEADERS)
