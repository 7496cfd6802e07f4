"""P15 resolution cases in the console: the cases of a conversation (and the form to open one),
and a case's page with its timeline and a form for each step the viewer may take now.

Every form works without JavaScript: a POST answers with a redirect (303) to the case's page, or
the page again (400) with the reason beside the forms when the action refuses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from calmdesk.actions.cases import open_case, take_step
from calmdesk.domain.errors import CalmdeskError, NotFound
from calmdesk.web import access
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.console.cases_view import case_read, cases_of, mediator_choices
from calmdesk.web.console.reads import local_label
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep
from calmdesk.web.pages import render, team_tz

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)
Field = Annotated[str, Form(max_length=4_000)]
MAX_ID = 2**31 - 1
_STEP_FIELDS = (
    "text", "offer_id", "answer", "to", "reason", "user_id", "proposal_due_days", "side",
    "decision", "reasons", "appeal_days",
)  # fmt: skip


def _known(value: int, what: str) -> None:
    if not 0 < value <= MAX_ID:
        raise NotFound(f"There is no {what} with that number.")


def _list_page(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    conversation_id: int, error: str = "", status: int = 200, form: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    conversation = access.conversation_for(session, user, conversation_id)
    tz = team_tz(settings)
    cases = [
        {"id": c.id, "track": c.track, "state": c.state, "reason": c.reason,
         "opened": local_label(c.created_at, tz, "%d %b %H:%M")}
        for c in cases_of(session, conversation_id)
    ]  # fmt: skip
    context = page_context(
        user, conversation=conversation, cases=cases, error=error, form=form or {},
        can_open_up=str(user.role) in ("supervisor", "admin"),
    )  # fmt: skip
    return render(request, "console/case_list.html", context, status)


@router.get("/conversations/{conversation_id}/resolution", response_class=HTMLResponse)
def conversation_cases(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """The resolution cases of one conversation, and the form to open one."""
    _known(conversation_id, "conversation")
    return _list_page(request, user, session, settings, conversation_id)


@router.post("/conversations/{conversation_id}/resolution", response_class=HTMLResponse)
def open_resolution(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep, track: Field = "", reason: Field = "",
    amount: Field = "",
) -> Response:  # fmt: skip
    """Open a case; on success go to its page."""
    _known(conversation_id, "conversation")
    access.conversation_for(session, user, conversation_id)
    try:
        case = open_case(
            actions, user.acting(), conversation_id, track, reason, amount.strip() or None
        )
    except CalmdeskError as err:
        form = {"track": track, "reason": reason, "amount": amount}
        return _list_page(request, user, session, settings, conversation_id, err.message, 400, form)
    return RedirectResponse(f"/console/resolution/{case.id}", status_code=303)


def _case_page(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    case_id: int, error: str = "", status: int = 200, form: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    read = case_read(session, user, case_id)
    tz = team_tz(settings)
    timeline = [
        {"seq": s.seq, "step": s.step, "by": _who(s.actor_user_id, s.actor, read.names),
         "at": local_label(s.created_at, tz, "%d %b %Y %H:%M"), "state": s.state_after,
         "data": _shown(s.data)}
        for s in read.steps
    ]  # fmt: skip
    transcript = [
        {"role": str(t.author_role), "text": t.text, "at": _when(t.created_at, tz)}
        for t in read.turns
    ]
    case = read.case
    mediators = (
        mediator_choices(session, read.conversation) if "assign_mediator" in read.allowed else []
    )
    context = page_context(
        user, nav="queue", case=case, conversation=read.conversation, timeline=timeline,
        allowed=read.allowed, variants=read.variants, offers=read.offers, mediators=mediators,
        mediator=read.names.get(case.mediator_id or 0, ""), error=error, form=form or {},
        sees_conversation=read.party.sees_conversation, transcript=transcript,
        appeal_until=_when(case.appeal_until, tz), proposal_due=_when(case.proposal_due_at, tz),
        decision_due=_when(case.decision_due_at, tz),
    )  # fmt: skip
    return render(request, "console/case_page.html", context, status)


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    return local_label(value, tz, "%d %b %Y %H:%M") if value is not None else ""


def _who(user_id: int | None, label: str, names: dict[int, str]) -> str:
    if user_id is not None and user_id in names:
        return names[user_id]
    return "calmdesk" if label.startswith("system:") else label


def _shown(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What a step recorded, as label and text pairs (ids left out)."""
    skip = {"notice_turn_id", "user_id"}
    return [
        (k.replace("_", " "), str(v))
        for k, v in data.items()
        if k not in skip and v not in ("", None)
    ]


@router.get("/resolution/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: int, user: ConsoleUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The case's timeline, and the forms of the steps the viewer may take now."""
    _known(case_id, "resolution case")
    return _case_page(request, user, session, settings, case_id)


@router.post("/resolution/{case_id}/steps", response_class=HTMLResponse)
def case_step(
    request: Request, case_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep, step: Field = "", text: Field = "",
    offer_id: Field = "", answer: Field = "", to: Field = "", reason: Field = "",
    user_id: Field = "", proposal_due_days: Field = "", side: Field = "", decision: Field = "",
    reasons: Field = "", appeal_days: Field = "",
) -> Response:  # fmt: skip
    """Take one step from its form."""
    _known(case_id, "resolution case")
    case_read(session, user, case_id)
    given = (text, offer_id, answer, to, reason, user_id, proposal_due_days, side, decision,
             reasons, appeal_days)  # fmt: skip
    values = dict(zip(_STEP_FIELDS, given, strict=True))
    data = {k: v for k, v in values.items() if v.strip()}
    try:
        take_step(actions, user.acting(), case_id, step, data)
    except CalmdeskError as err:
        session.expire_all()
        form = {"step": step, **values}
        return _case_page(request, user, session, settings, case_id, err.message, 400, form)
    return RedirectResponse(f"/console/resolution/{case_id}", status_code=303)
