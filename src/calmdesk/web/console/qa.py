"""The QA workspace and the analytics dashboard in the console (issue 12).

    /console/qa                            sampling queues: lowest scores, highest risk, N per agent
    /console/qa/conversations/{id}         the scorecard beside the transcript; override, respond
    /console/qa/calibration                how often analysts override each automatic criterion
    /console/qa/analytics (+ /{chart}.csv) the dashboard (supervisors and admins), data as CSV

QA analysts, and supervisors and admins acting as analysts (`actions.qa_review.ANALYSTS`), review
the scorecards of their team (an admin: all); an agent sees and answers the scorecards of their
own conversations. Routes stay thin: reads through
`storage.qa_queries`, writes through `actions.qa_review`."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from calmdesk.actions.qa import qa_playbook
from calmdesk.actions.qa_review import (
    ANALYSTS,
    STATUSES,
    override_criterion,
    respond_to_scorecard,
)
from calmdesk.domain.errors import InputError, NotFound, PermissionDenied
from calmdesk.storage import UserRole, qa_analytics, qa_queries
from calmdesk.storage.qa import QaScorecard
from calmdesk.web import access
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.console.case_view import case_view
from calmdesk.web.console.forms import actor_for
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep, StaffPrincipal
from calmdesk.web.pages import render, team_tz

__all__ = ["router"]

router = APIRouter(prefix="/console/qa", include_in_schema=False)

Short = Annotated[str, Form(max_length=2_000)]


def _analyst(user: StaffPrincipal) -> bool:
    return user.role in ANALYSTS


def _visible_card(session: Session, user: StaffPrincipal, conversation_id: int) -> QaScorecard:
    """The scorecard of a conversation the user may see, or of one they wrote the replies of (an
    agent answers their scorecard even after the case was escalated away); else NotFound."""
    card = qa_queries.scorecard_of(session, conversation_id)
    if card is None or card.agent_id != user.user_id:
        access.conversation_for(session, user, conversation_id)
    if card is None:
        raise NotFound("This conversation has no scorecard yet (it is scored after resolution).")
    session.commit()
    return card


def _reader(user: StaffPrincipal, card: QaScorecard) -> StaffPrincipal:
    """Who the transcript is read as: the scorecard's own agent may read it whoever holds it."""
    return dataclasses.replace(user, role=UserRole.ADMIN) if card.agent_id == user.user_id else user


def _week_start(week: str | None, now: datetime) -> datetime:
    if week:
        try:
            day = datetime.fromisoformat(week).replace(tzinfo=UTC)
        except ValueError:
            day = now
    else:
        day = now
    start = day - timedelta(days=day.weekday())
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


@router.get("", response_class=HTMLResponse)
def qa_home(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    actions: ActionsDep,
    week: str | None = None,
    n: int = 3,
) -> Response:
    """The sampling queues over the scorecards the user may see."""
    scope = access.conversation_scope(user)
    start = _week_start(week, actions.now())
    context = page_context(
        user,
        nav="qa",
        analyst=_analyst(user),
        lowest=qa_queries.lowest_scores(session, scope),
        risky=qa_queries.highest_risk(session, scope),
        sample=qa_queries.random_per_agent(session, scope, start, max(1, min(n, 50))),
        week=start.date().isoformat(),
        n=max(1, min(n, 50)),
    )
    return render(request, "console/qa_home.html", context)


def _criteria(card: Any, overrides: list[Any]) -> list[dict[str, Any]]:
    latest = {o.criterion: o for o in overrides}
    rows = []
    for name, result in (card.criteria or {}).items():
        override = latest.get(name)
        rows.append(
            {
                "name": name,
                "status": result.get("status", ""),
                "evidence": [e.get("note", "") for e in result.get("evidence", [])][:6],
                "override": override.status if override else "",
                "comment": override.comment if override else "",
            }
        )
    return rows


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def qa_card(
    request: Request,
    conversation_id: int,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
) -> Response:
    """The scorecard beside the transcript."""
    card = _visible_card(session, user, conversation_id)
    reader = _reader(user, card)
    case = case_view(session, reader, conversation_id, team_tz(settings), actions.now())
    overrides, responses = qa_queries.card_history(session, card.id)
    context = page_context(
        user,
        nav="qa",
        convo=case,
        card=card,
        criteria=_criteria(card, overrides),
        overrides=overrides,
        responses=responses,
        statuses=STATUSES,
        analyst=_analyst(user),
        is_agent=user.user_id == card.agent_id,
    )
    return render(request, "console/qa_card.html", context)


def _back(conversation_id: int) -> Response:
    return RedirectResponse(f"/console/qa/conversations/{conversation_id}", status_code=303)


@router.post("/conversations/{conversation_id}/override")
def qa_override(
    conversation_id: int,
    user: ConsoleUser,
    session: SessionDep,
    actions: ActionsDep,
    criterion: Annotated[str, Form(max_length=60)] = "",
    status: Annotated[str, Form(max_length=24)] = "",
    comment: Short = "",
) -> Response:
    """An analyst's verdict on one criterion, with the reason (audited)."""
    card = _visible_card(session, user, conversation_id)
    override_criterion(actions, actor_for(user), card.id, criterion, status, comment)
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/respond")
def qa_respond(
    conversation_id: int,
    user: ConsoleUser,
    session: SessionDep,
    actions: ActionsDep,
    kind: Annotated[str, Form(max_length=24)] = "",
    comment: Short = "",
) -> Response:
    """The agent acknowledges or disputes their scorecard."""
    card = _visible_card(session, user, conversation_id)
    respond_to_scorecard(actions, actor_for(user), card.id, kind, comment)
    return _back(conversation_id)


@router.get("/calibration", response_class=HTMLResponse)
def qa_calibration(request: Request, user: ConsoleUser, session: SessionDep) -> Response:
    """How often analysts override each automatic criterion: which criteria to trust."""
    rows = qa_queries.calibration(session, access.conversation_scope(user))
    return render(request, "console/qa_calibration.html", page_context(user, nav="qa", rows=rows))


def _filters(
    user: StaffPrincipal,
    now: datetime,
    since: str | None,
    until: str | None,
    team: str | None,
    agent: str | None,
) -> qa_analytics.Filters:
    if user.role not in ANALYSTS:
        raise PermissionDenied("The analytics are for supervisors, QA analysts and admins.")
    end = _day(until, "until") + timedelta(days=1) if until else now
    start = _day(since, "since") if since else end - timedelta(days=30)
    if start >= end:
        raise InputError("The period must start before it ends.")
    return qa_analytics.Filters(start, end, _id(team, "team"), _id(agent, "agent"))


def _day(value: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(value[:10]).replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"{what} must be a date such as 2026-11-01.") from None


def _id(value: str | None, what: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise InputError(f"{what} must be an id number.")
    return int(value)


@router.get("/analytics", response_class=HTMLResponse)
def qa_analytics_page(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    actions: ActionsDep,
    since: str | None = None,
    until: str | None = None,
    team: str | None = None,
    agent: str | None = None,
) -> Response:
    """The dashboard: every chart with the numbers under it and its data as CSV."""
    f = _filters(user, actions.now(), since, until, team, agent)
    days = qa_playbook(actions).qa.retention_days
    charts = qa_analytics.dashboard(session, access.analytics_scope(user), f, days)
    query = urlencode(
        {
            k: v
            for k, v in {"since": since, "until": until, "team": team, "agent": agent}.items()
            if v
        }
    )
    context = page_context(
        user,
        nav="qa",
        charts=charts,
        query=query,
        since=f.since.date().isoformat(),
        until=(f.until - timedelta(days=1)).date().isoformat(),
        team=team or "",
        agent=agent or "",
    )
    return render(request, "console/qa_analytics.html", context)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/analytics/{chart}.csv")
def qa_analytics_csv(
    chart: str,
    user: ConsoleUser,
    session: SessionDep,
    actions: ActionsDep,
    since: str | None = None,
    until: str | None = None,
    team: str | None = None,
    agent: str | None = None,
) -> Response:
    """One chart's data as CSV (cells that a spreadsheet would run as formulas are quoted)."""
    if chart not in qa_analytics.CHARTS:
        raise NotFound(f"There is no chart {chart[:40]!r}.")
    f = _filters(user, actions.now(), since, until, team, agent)
    days = qa_playbook(actions).qa.retention_days
    found = next(
        c
        for c in qa_analytics.dashboard(session, access.analytics_scope(user), f, days)
        if c.name == chart
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(found.columns)
    writer.writerows([[_cell(v) for v in row] for row in found.rows])
    headers = {"Content-Disposition": f'attachment; filename="{chart}.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
