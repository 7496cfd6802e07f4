"""Admin screens for the escalation rules and the playbook settings (weights, company phrases,
authority limits), for the whole desk or one team. Saving goes through `actions.desk_overrides`:
the text is validated as the files are; a refusal is shown beside the form that was sent, with
what was typed kept, and nothing is stored. A saved change applies to the next message or reply,
without a restart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions import desk_overrides
from calmdesk.actions.rules import RuleSet
from calmdesk.analysis.reply.playbook import Playbook
from calmdesk.analysis.reply.registry import check_names
from calmdesk.domain.errors import CalmdeskError, InvalidDeskOverride, PermissionDenied
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import Team
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep, StaffPrincipal
from calmdesk.web.pages import render

__all__ = ["router"]

router = APIRouter(prefix="/console/settings", include_in_schema=False)

TeamField = Annotated[int, Form(ge=0, le=2_147_483_647)]
YamlField = Annotated[str, Form(max_length=desk_overrides.MAX_BYTES)]
_SOURCES = {
    "file": "the file (defaults)",
    "desk": "saved for the whole desk",
    "team": "saved for this team",
}


def _admin(user: StaffPrincipal) -> None:
    if user.role is not UserRole.ADMIN:
        raise PermissionDenied("The admin screens are for admins.")


def _team(value: int | None) -> int | None:
    return value or None  # 0 or missing: the whole desk


async def _form(request: Request) -> dict[str, str]:
    """Every field of the posted form (the playbook form names its fields per check)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _scopes(session: Session, team_id: int | None) -> list[dict[str, Any]]:
    teams = session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    out = [{"id": 0, "name": "Whole desk", "selected": team_id is None}]
    return out + [{"id": i, "name": n, "selected": i == team_id} for i, n in teams]


def _page(
    request: Request, user: StaffPrincipal, session: Session, settings: SettingsDep, kind: str,
    team_id: int | None, *, error: str = "", where: str = "", text: str | None = None,
    flash: str = "", status: int = 200, typed: Mapping[str, str] | None = None,
) -> Response:  # fmt: skip
    current = desk_overrides.effective_text(session, settings, kind, team_id)
    shown = current.text if text is None else text
    context = page_context(
        user, nav="settings", team_id=team_id or 0, scopes=_scopes(session, team_id),
        source=_SOURCES[current.source], own=current.source == ("desk" if team_id is None
        else "team"), revision=current.revision, text=shown, error=error, where=where,
        flash=flash, flash_kind="ok", typed=typed or {},
    )  # fmt: skip
    parsed = desk_overrides.parse_override(kind, current.text)
    if isinstance(parsed, RuleSet):
        context["rules"] = parsed.rules
        template = "console/settings_rules.html"
    else:
        assert isinstance(parsed, Playbook)
        context["book"] = _book_view(parsed)
        template = "console/settings_playbook.html"
    session.commit()
    return render(request, template, context, status)


def _save(
    request: Request, user: StaffPrincipal, session: Session, settings: SettingsDep,
    actions: ActionsDep, kind: str, team_id: int, text: str, where: str, done: str,
) -> Response:  # fmt: skip
    """Save the YAML `text` as the scope's override of `kind`; a refusal is shown beside the form
    named `where`, with what was typed kept."""
    _admin(user)
    scope = _team(team_id)
    try:
        desk_overrides.save_override(actions, user.acting(), kind, scope, text)
    except CalmdeskError as err:
        return _page(request, user, session, settings, kind, scope, error=err.message,
                     where=where, text=text, status=400)  # fmt: skip
    return _page(request, user, session, settings, kind, scope, flash=done)


def _reset(
    request: Request, user: StaffPrincipal, session: Session, settings: SettingsDep,
    actions: ActionsDep, kind: str, team_id: int, done: str,
) -> Response:  # fmt: skip
    """Remove the saved override of `kind` for the scope; 404 beside the form if none is saved."""
    _admin(user)
    scope = _team(team_id)
    try:
        desk_overrides.clear_override(actions, user.acting(), kind, scope)
    except CalmdeskError as err:
        return _page(request, user, session, settings, kind, scope, error=err.message,
                     where="reset", status=404)  # fmt: skip
    return _page(request, user, session, settings, kind, scope, flash=done)


def _book_view(book: Playbook) -> dict[str, Any]:
    checks = []
    for name in check_names():
        s = book.setting(name)
        checks.append({"name": name, "enabled": s.enabled, "weight": s.weight,
                       "phrases": "\n".join(s.phrases), "banned": "\n".join(s.banned)})  # fmt: skip
    a = book.authority
    return {
        "checks": checks, "currency": a.currency,
        "max_refund": "" if a.max_refund is None else f"{a.max_refund:g}",
        "max_credit": "" if a.max_credit is None else f"{a.max_credit:g}",
        "forbidden": "\n".join(a.forbidden),
    }  # fmt: skip


# --- escalation rules ---------------------------------------------------------------------------


@router.get("/escalation-rules", response_class=HTMLResponse)
def rules_page(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    team_id: int = 0,
) -> Response:  # fmt: skip
    _admin(user)
    return _page(request, user, session, settings, "escalation_rules", _team(team_id))


@router.post("/escalation-rules", response_class=HTMLResponse)
def save_rules(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, team_id: TeamField = 0, text: YamlField = "",
) -> Response:  # fmt: skip
    return _save(request, user, session, settings, actions, "escalation_rules", team_id, text,
                 "rules", "Escalation rules saved; they apply to the next message.")  # fmt: skip


@router.post("/escalation-rules/reset", response_class=HTMLResponse)
def reset_rules(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, team_id: TeamField = 0,
) -> Response:  # fmt: skip
    return _reset(request, user, session, settings, actions, "escalation_rules", team_id,
                  "Saved rules removed; the next level applies again.")  # fmt: skip


# --- playbook -----------------------------------------------------------------------------------


@router.get("/playbook", response_class=HTMLResponse)
def playbook_page(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    team_id: int = 0,
) -> Response:  # fmt: skip
    _admin(user)
    return _page(request, user, session, settings, "playbook", _team(team_id))


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


def _money(value: str, what: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidDeskOverride(f"Not saved: {what} must be a number, like 100.") from None


def playbook_from_form(current: str, form: Mapping[str, str]) -> str:
    """The playbook YAML with the form's weights, phrases and authority limits applied."""
    data = yaml.safe_load(current) or {}
    if not isinstance(data, dict):
        raise InvalidDeskOverride("Not saved: the current playbook is not a mapping.")
    checks = dict(data.get("checks") or {})
    for name in check_names():
        entry = dict(checks.get(name) or {})
        weight = form.get(f"weight_{name}", "").strip()
        try:
            entry["weight"] = float(weight) if weight else entry.get("weight", 1)
        except ValueError:
            raise InvalidDeskOverride(
                f"Not saved: the weight of {name.replace('_', ' ')} must be a number."
            ) from None
        entry["enabled"] = form.get(f"enabled_{name}") == "1"
        for key in ("phrases", "banned"):
            found = _lines(form.get(f"{key}_{name}", ""))
            if found:
                entry[key] = found
            else:
                entry.pop(key, None)
        checks[name] = entry
    data["checks"] = checks
    authority = dict(data.get("authority") or {})
    for key, what in (("max_refund", "the largest refund"), ("max_credit", "the largest credit")):
        amount = _money(form.get(key, ""), what)
        if amount is None:
            authority.pop(key, None)
        else:
            authority[key] = amount
    authority["currency"] = form.get("currency", "").strip() or authority.get("currency", "USD")
    authority["forbidden"] = [line.strip() for line in form.get("forbidden", "").splitlines()
                              if line.strip()]  # fmt: skip
    data["authority"] = authority
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@router.post("/playbook", response_class=HTMLResponse)
def save_playbook(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, form: Annotated[dict[str, str], Depends(_form)],
) -> Response:  # fmt: skip
    _admin(user)
    scope = _team(int(form["team_id"]) if form.get("team_id", "").isdigit() else 0)
    try:
        current = desk_overrides.effective_text(session, settings, "playbook", scope).text
        session.commit()
        text = playbook_from_form(current, form)
        desk_overrides.save_override(actions, user.acting(), "playbook", scope, text)
    except CalmdeskError as err:
        return _page(request, user, session, settings, "playbook", scope, error=err.message,
                     where="settings", status=400, typed=form)  # fmt: skip
    return _page(request, user, session, settings, "playbook", scope,
                 flash="Playbook settings saved; the next review uses them.")  # fmt: skip


@router.post("/playbook/yaml", response_class=HTMLResponse)
def save_playbook_yaml(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, team_id: TeamField = 0, text: YamlField = "",
) -> Response:  # fmt: skip
    return _save(request, user, session, settings, actions, "playbook", team_id, text, "yaml",
                 "Playbook saved; the next review uses it.")  # fmt: skip


@router.post("/playbook/reset", response_class=HTMLResponse)
def reset_playbook(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, team_id: TeamField = 0,
) -> Response:  # fmt: skip
    return _reset(request, user, session, settings, actions, "playbook", team_id,
                  "Saved playbook removed; the next level applies again.")  # fmt: skip
