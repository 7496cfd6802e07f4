"""What the practice pages show: assignments, the scenario library, sessions, the debrief.

Reads only; who may see a session: the trainee, their team's supervisors, and admins.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from calmdesk.actions.practice import find_scenario
from calmdesk.analysis.roleplay import default_scenarios
from calmdesk.analysis.roleplay.scenario import Scenario
from calmdesk.domain.errors import ConfigError, NotFound
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import User
from calmdesk.storage.practice import (
    PracticeAssignment,
    PracticeComment,
    PracticeScenario,
    PracticeSession,
)
from calmdesk.web.console.reads import local_label
from calmdesk.web.deps import StaffPrincipal
from calmdesk.web.markup import upset_chart

__all__ = ["practice_home", "practice_view", "session_for"]

_LIMIT = 100
_OUTCOME_LABELS = {
    "resolved": "resolved",
    "escalated": "escalated by the customer",
    "abandoned": "customer left",
    "ongoing": "in progress",
}


def _title(session: Session, scenario_id: str) -> str:
    try:
        return find_scenario(session, scenario_id).title
    except (NotFound, ConfigError):
        return scenario_id


def _session_row(
    session: Session, row: PracticeSession, names: dict[int, str], tz: ZoneInfo
) -> dict[str, Any]:
    return {
        "id": row.id,
        "scenario": _title(session, row.scenario_id),
        "trainee": names.get(row.user_id, "?"),
        "outcome": _OUTCOME_LABELS.get(row.outcome, row.outcome),
        "finished": row.finished,
        "score": row.score,
        "when": local_label(row.created_at, tz),
        "mode": "learning" if row.coaching else "assessment",
    }


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {int(row[0]): str(row[1]) for row in rows}


def _trainee_ids(session: Session, user: StaffPrincipal) -> list[int] | None:
    """Whose results `user` sees as a trainer: None for everyone (admin), else their team."""
    if user.role is UserRole.ADMIN:
        return None
    if user.role is UserRole.SUPERVISOR and user.team_id is not None:
        return list(session.scalars(select(User.id).where(User.team_id == user.team_id)))
    return []


def _assignments(session: Session, user: StaffPrincipal, tz: ZoneInfo, now: datetime) -> list[Any]:
    mine = or_(
        PracticeAssignment.user_id == user.user_id, PracticeAssignment.team_id == user.team_id
    )
    rows = session.scalars(
        select(PracticeAssignment).where(mine).order_by(PracticeAssignment.id.desc()).limit(_LIMIT)
    )
    done = set(
        session.scalars(
            select(PracticeSession.assignment_id).where(
                PracticeSession.user_id == user.user_id, PracticeSession.finished.is_(True)
            )
        )
    )
    return [
        {
            "id": a.id,
            "scenario": _title(session, a.scenario_id),
            "note": a.note,
            "done": a.id in done,
            "due": local_label(a.due_at, tz) if a.due_at else "",
            "overdue": a.due_at is not None and a.due_at < now and a.id not in done,
            "mode": "learning" if a.coaching else "assessment",
        }
        for a in rows
    ]


def _check_progress(rows: list[PracticeSession]) -> list[dict[str, Any]]:
    """How often each check failed in the replies: the earlier half of sessions vs the later."""
    ordered = sorted(rows, key=lambda r: r.id)
    half = len(ordered) // 2
    early, late = Counter[str](), Counter[str]()
    early_n = late_n = 0
    for i, row in enumerate(ordered):
        counter = early if i < half or len(ordered) == 1 else late
        for step in row.steps or []:
            counter.update(step.get("failed", []))
            if counter is early:
                early_n += 1
            else:
                late_n += 1
    checks = sorted(set(early) | set(late))
    return [
        {
            "check": c,
            "early": round(100 * early[c] / early_n) if early_n else None,
            "late": round(100 * late[c] / late_n) if late_n else None,
        }
        for c in checks
    ]


def _library(session: Session, user: StaffPrincipal) -> list[dict[str, Any]]:
    """The shipped scenarios, then the team's scenarios made from real cases (newest first)."""
    shipped = [s.summary() | {"situation": s.situation, "case": False} for s in default_scenarios()]
    query = select(PracticeScenario).order_by(PracticeScenario.created_at.desc()).limit(_LIMIT)
    if user.role is not UserRole.ADMIN:
        query = query.where(PracticeScenario.team_id == user.team_id)
    cases = [
        {
            "id": row.id,
            "title": str(row.body.get("title", row.id)),
            "case": True,
            "cause": str(row.body.get("cause", "")),
            "difficulty": row.body.get("difficulty", ""),
            "situation": str(row.body.get("situation", "")),
        }
        for row in session.scalars(query)
    ]
    return shipped + cases


def practice_home(
    session: Session, user: StaffPrincipal, tz: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """The practice page: assignments, the library, my sessions, and a trainer's trainees."""
    own = select(PracticeSession).where(PracticeSession.user_id == user.user_id)
    mine = list(session.scalars(own.order_by(PracticeSession.id.desc()).limit(_LIMIT)))
    context: dict[str, Any] = {
        "assignments": _assignments(session, user, tz, now),
        "scenarios": _library(session, user),
        "sessions": [_session_row(session, r, {user.user_id: user.display_name}, tz) for r in mine],
        "progress": _check_progress([r for r in mine if r.finished]),
        "trainer": user.role in (UserRole.SUPERVISOR, UserRole.ADMIN),
        "trainees": [],
        "results": [],
    }
    if context["trainer"]:
        ids = _trainee_ids(session, user)
        people = select(User).where(User.is_active.is_(True)).order_by(User.display_name)
        query = select(PracticeSession).order_by(PracticeSession.id.desc()).limit(_LIMIT)
        if ids is not None:
            people = people.where(User.id.in_(ids))
            query = query.where(PracticeSession.user_id.in_(ids))
        context["trainees"] = [
            {"id": u.id, "name": u.display_name} for u in session.scalars(people)
        ]
        results = list(session.scalars(query))
        names = _names(session, {r.user_id for r in results})
        context["results"] = [_session_row(session, r, names, tz) for r in results]
    return context


def session_for(session: Session, user: StaffPrincipal, session_id: int) -> PracticeSession:
    """The session if `user` may see it; NotFound otherwise (nobody learns it exists)."""
    row = session.get(PracticeSession, session_id)
    if row is not None and row.user_id != user.user_id:
        ids = _trainee_ids(session, user)
        if ids is not None and row.user_id not in ids:
            row = None
    if row is None:
        raise NotFound(f"There is no practice session {session_id} that you can see.")
    return row


def _mood_chart(mood: list[dict[str, float]], start: Scenario) -> dict[str, Any] | None:
    upset = [start.start_upset, *(m.get("upset", 0.0) for m in mood)]
    trust = [start.start_trust, *(m.get("trust", 0.0) for m in mood)]
    up, tr = upset_chart(upset, 320, 110), upset_chart(trust, 320, 110)
    if up is None or tr is None or len(upset) < 2:
        return None
    return {
        "width": up.width,
        "height": up.height,
        "upset": up.line,
        "trust": tr.line,
        "grid": up.grid,
        "upset_pct": [round(100 * v) for v in upset],
        "trust_pct": [round(100 * v) for v in trust],
    }


def practice_view(
    session: Session, user: StaffPrincipal, row: PracticeSession, tz: ZoneInfo
) -> dict[str, Any]:
    """One session: the transcript, the last reply's coaching, and the debrief once it has ended."""
    scenario = find_scenario(session, row.scenario_id)
    result = row.result or {}
    steps = row.steps or []
    comments = list(
        session.scalars(
            select(PracticeComment)
            .where(PracticeComment.session_id == row.id)
            .order_by(PracticeComment.id)
        )
    )
    names = _names(session, {c.author_id for c in comments} | {row.user_id})
    return {
        "practice": row,
        "scenario": scenario,
        "mine": row.user_id == user.user_id,
        "transcript": [
            t | {"who": scenario.name if t["role"] == "customer" else "You"}
            for t in result.get("transcript", [])
        ],
        "steps": [s | {"n": i} for i, s in enumerate(steps, 1)],
        "last": steps[-1] if steps and row.coaching and not row.finished else None,
        "feedback": result.get("feedback", []) if row.finished else [],
        "chart": _mood_chart(result.get("mood", []), scenario),
        "outcome": _OUTCOME_LABELS.get(row.outcome, row.outcome),
        "trainee": names.get(row.user_id, "?"),
        "comments": [
            {
                "by": names.get(c.author_id, "?"),
                "text": c.text,
                "when": local_label(c.created_at, tz),
            }
            for c in comments
        ],
        "can_comment": user.role in (UserRole.SUPERVISOR, UserRole.ADMIN),
    }
