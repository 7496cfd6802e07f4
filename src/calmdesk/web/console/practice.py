"""Role-play practice in the console (V5): the practice page, playing a session, the debrief.

Every form works without JavaScript: a POST answers with a redirect (303) back to the page, or the
page again with the reason beside the form and the draft kept when an action refuses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from calmdesk.actions import practice as practice_actions
from calmdesk.domain.errors import CalmdeskError, MalformedInput, NotFound
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.console.practice_view import practice_home, practice_view, session_for
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep
from calmdesk.web.pages import render, team_tz

__all__ = ["router"]

router = APIRouter(prefix="/console/practice", include_in_schema=False)
Text = Annotated[str, Form(max_length=100_000)]
Short = Annotated[str, Form(max_length=2_000)]
MAX_ID = 2**31 - 1


def _known(session_id: int) -> None:
    """Ids beyond what the database stores are refused before any query (never a 500)."""
    if not 0 < session_id <= MAX_ID:
        raise NotFound("There is no practice session with that number.")


def _home(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
    error: str = "",
    status: int = 200,
) -> Response:
    context = practice_home(session, user, team_tz(settings), actions.now())
    return render(
        request,
        "console/practice.html",
        page_context(user, nav="practice", error=error, **context),
        status,
    )


@router.get("", response_class=HTMLResponse)
def practice_page(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
) -> Response:
    """Assigned scenarios, the library, my sessions; for trainers the assign form and results."""
    return _home(request, user, session, settings, actions)


def _due(value: str, settings: SettingsDep) -> datetime | None:
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise MalformedInput("The due date must be a date like 2026-12-24.") from exc
    return datetime.combine(day, time(23, 59), team_tz(settings)).astimezone(UTC)


def _int_or_none(value: str, what: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or int(value) > MAX_ID:
        raise MalformedInput(f"Choose a {what} from the list.")
    return int(value)


@router.post("/assign", response_class=HTMLResponse)
def assign(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
    scenario_id: Short = "",
    user_id: Short = "",
    team: Short = "",
    due: Short = "",
    coaching: Short = "",
    note: Short = "",
) -> Response:
    """A trainer assigns a scenario to one person, or to their whole team (`team=mine`)."""
    try:
        target_user = _int_or_none(user_id, "person")
        target_team = user.team_id if team == "mine" and target_user is None else None
        practice_actions.assign_practice(
            actions,
            user.acting(),
            scenario_id,
            user_id=target_user,
            team_id=target_team,
            due_at=_due(due, settings),
            coaching=coaching == "on",
            note=note,
        )
    except CalmdeskError as err:
        return _home(request, user, session, settings, actions, err.message, 400)
    return RedirectResponse("/console/practice", status_code=303)


@router.post("/from-case", response_class=HTMLResponse)
def from_case(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
    conversation_id: Short = "",
    title: Short = "",
) -> Response:
    """ "Practise this case": a supervisor turns a real conversation into an anonymised scenario."""
    try:
        case_id = _int_or_none(conversation_id, "conversation")
        if case_id is None:
            raise MalformedInput("Say which conversation to practise on.")
        practice_actions.practise_case(actions, user.acting(), case_id, title)
    except CalmdeskError as err:
        return _home(request, user, session, settings, actions, err.message, 400)
    return RedirectResponse("/console/practice#library", status_code=303)


@router.post("/start", response_class=HTMLResponse)
def start(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
    scenario_id: Short = "",
    assignment_id: Short = "",
    mode: Short = "learning",
) -> Response:
    """Start a session: a scenario from the library, or an assignment."""
    try:
        row = practice_actions.start_practice(
            actions,
            user.acting(),
            scenario_id or None,
            assignment_id=_int_or_none(assignment_id, "assignment"),
            coaching=mode != "assessment",
        )
    except CalmdeskError as err:
        return _home(request, user, session, settings, actions, err.message, 400)
    return RedirectResponse(f"/console/practice/{row.id}", status_code=303)


def _session_page(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    session_id: int,
    error: str = "",
    draft: str = "",
    status: int = 200,
) -> Response:
    row = session_for(session, user, session_id)
    view = practice_view(session, user, row, team_tz(settings))
    context = page_context(user, nav="practice", error=error, draft=draft, **view)
    return render(request, "console/practice_session.html", context, status)


@router.get("/{session_id}", response_class=HTMLResponse)
def session_page(
    request: Request,
    session_id: int,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The practice conversation; once it has ended, the debrief."""
    _known(session_id)
    return _session_page(request, user, session, settings, session_id)


@router.post("/{session_id}/reply", response_class=HTMLResponse)
def reply(
    request: Request,
    session_id: int,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
    text: Text = "",
) -> Response:
    """The trainee's reply; the simulated customer answers."""
    _known(session_id)
    try:
        practice_actions.practice_reply(actions, user.acting(), session_id, text)
    except CalmdeskError as err:
        session.rollback()
        return _session_page(request, user, session, settings, session_id, err.message, text, 400)
    return RedirectResponse(f"/console/practice/{session_id}", status_code=303)


@router.post("/{session_id}/comments", response_class=HTMLResponse)
def comment(
    request: Request,
    session_id: int,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
    text: Short = "",
) -> Response:
    """A trainer's comment on the session."""
    _known(session_id)
    try:
        practice_actions.comment_on_practice(actions, user.acting(), session_id, text)
    except CalmdeskError as err:
        session.rollback()
        return _session_page(request, user, session, settings, session_id, err.message, "", 400)
    return RedirectResponse(f"/console/practice/{session_id}#comments", status_code=303)
