"""Admin screens of the desk: each team's routing, capacity, time zone, business hours and
holidays, and the SLA policies. Every change goes through `actions.desk_admin` (validated as a
whole, audited); a refusal is shown beside the form that was sent, with its reason, and nothing
is stored."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions import desk_admin
from calmdesk.actions.desk_config import ROUTING_MODES, desk_defaults
from calmdesk.analysis.sla import DAYS
from calmdesk.domain.errors import CalmdeskError, InvalidDeskSetting, PermissionDenied
from calmdesk.storage.desk import TeamSettings
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import Team
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep, StaffPrincipal
from calmdesk.web.pages import render

__all__ = ["router"]

router = APIRouter(prefix="/console/settings", include_in_schema=False)

Field = Annotated[str, Form(max_length=200)]


def _admin(user: StaffPrincipal) -> None:
    if user.role is not UserRole.ADMIN:
        raise PermissionDenied("The admin screens are for admins.")


def _window_text(spec: Any) -> str:
    if not spec or spec == "closed":
        return "closed"
    items = spec if isinstance(spec[0], list) else [spec]
    return ", ".join(f"{a}-{b}" for a, b in items)


def _teams(session: Session, settings: SettingsDep) -> list[dict[str, Any]]:
    defaults = desk_defaults(settings.desk_defaults_path)
    out = []
    for team in session.scalars(select(Team).order_by(Team.name)):
        row = session.get(TeamSettings, team.id)
        week = (row.business_hours if row and row.business_hours else defaults.week) or {}
        out.append({
            "id": team.id, "name": team.name,
            "mode": row.routing_mode if row else defaults.routing.mode,
            "capacity": row.capacity if row else defaults.routing.capacity,
            "timezone": row.timezone if row else settings.timezone,
            "days": [(d, _window_text(week.get(d))) for d in DAYS],
            "holidays": ", ".join(row.holidays if row else defaults.holidays),
            "custom": row is not None,
        })  # fmt: skip
    return out


def _page(
    request: Request, user: StaffPrincipal, session: Session, settings: SettingsDep,
    flash: str = "", kind: str = "ok", status: int = 200, where: str = "",
) -> Response:  # fmt: skip
    """The page; `where` names the form a message belongs beside ("team:3", "sla")."""
    context = page_context(
        user, nav="settings", teams=_teams(session, settings), modes=ROUTING_MODES,
        policies=desk_admin.policy_rows(session), flash=flash, flash_kind=kind, where=where,
        defaults=desk_defaults(settings.desk_defaults_path).policies,
    )  # fmt: skip
    session.commit()
    return render(request, "console/settings.html", context, status)


@router.get("", response_class=HTMLResponse)
def admin_page(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep
) -> Response:
    _admin(user)
    return _page(request, user, session, settings)


def _parse_window(day: str, text: str) -> Any:
    text = text.strip().lower()
    if text in ("", "closed", "-"):
        return "closed"
    windows = []
    for part in text.split(","):
        start, sep, end = part.strip().partition("-")
        if not sep:
            raise InvalidDeskSetting(f"{day}: write hours as 09:00-17:00 (or closed).")
        windows.append([start.strip(), end.strip()])
    return windows if len(windows) > 1 else windows[0]


@router.post("/teams/{team_id}", response_class=HTMLResponse)
def save_team(
    request: Request, team_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep,
    routing_mode: Field = "", capacity: Annotated[int, Form(ge=1, le=500)] = 8,
    timezone: Field = "UTC", holidays: Annotated[str, Form(max_length=4000)] = "",
    mon: Field = "", tue: Field = "", wed: Field = "", thu: Field = "", fri: Field = "",
    sat: Field = "", sun: Field = "",
) -> Response:  # fmt: skip
    _admin(user)
    given = {"mon": mon, "tue": tue, "wed": wed, "thu": thu, "fri": fri, "sat": sat, "sun": sun}
    try:
        week = {day: _parse_window(day, text) for day, text in given.items()}
        days = [h.strip() for h in holidays.split(",") if h.strip()]
        desk_admin.set_team_settings(
            actions, user.acting(), team_id, routing_mode=routing_mode, capacity=capacity,
            timezone=timezone.strip(), business_hours=week, holidays=days,
        )  # fmt: skip
    except CalmdeskError as err:
        return _page(request, user, session, settings, err.message, "bad", 400, f"team:{team_id}")
    return _page(request, user, session, settings, "Team settings saved.", where=f"team:{team_id}")


@router.post("/sla-policies", response_class=HTMLResponse)
def save_policy(
    request: Request, user: ConsoleUser, session: SessionDep, actions: ActionsDep,
    settings: SettingsDep, name: Field = "",
    first_response_minutes: Annotated[int, Form(ge=1, le=525_600)] = 60,
    next_response_minutes: Annotated[int, Form(ge=1, le=525_600)] = 120,
    resolution_minutes: Annotated[int, Form(ge=1, le=525_600)] = 960,
    priority: Field = "", tier: Field = "", channel: Field = "",
    business_hours: Annotated[str, Form(max_length=5)] = "",
) -> Response:  # fmt: skip
    _admin(user)
    spec = {
        "name": name, "first_response_minutes": first_response_minutes,
        "next_response_minutes": next_response_minutes, "resolution_minutes": resolution_minutes,
        "priority": priority.strip() or None, "tier": tier.strip() or None,
        "channel": channel.strip() or None, "business_hours": bool(business_hours),
    }  # fmt: skip
    try:
        desk_admin.save_sla_policy(actions, user.acting(), spec)
    except CalmdeskError as err:
        return _page(request, user, session, settings, err.message, "bad", 400, "sla")
    return _page(request, user, session, settings, f"SLA policy {name.strip()} saved.", where="sla")
