"""Admin changes to the desk: a team's routing, capacity, time zone, business hours and holidays,
and the SLA policies. Validated before anything is stored (a broken setting never loads and the
error says why) and audited with the values before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.desk_config import check_routing
from calmdesk.analysis.sla import parse_business_hours, parse_policy
from calmdesk.domain.errors import Conflict, InvalidDeskSetting, NotFound
from calmdesk.storage.desk import SlaPolicy, TeamSettings
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import Team

__all__ = [
    "deactivate_sla_policy",
    "policy_rows",
    "save_sla_policy",
    "set_team_settings",
]


def set_team_settings(
    ctx: ActionContext,
    actor: Actor,
    team_id: int,
    *,
    routing_mode: str,
    capacity: int,
    timezone: str,
    business_hours: Mapping[str, Any],
    holidays: list[str] | tuple[str, ...] = (),
) -> TeamSettings:
    """Replace a team's desk settings (admins only)."""
    actor.require_role(UserRole.ADMIN)
    check_routing(routing_mode, capacity)
    try:
        parse_business_hours(timezone, business_hours, holidays)
    except ValueError as err:
        raise InvalidDeskSetting(str(err)) from None
    with ctx.sessions.begin() as session:
        if session.get(Team, team_id) is None:
            raise NotFound(f"No team with id {team_id}.")
        row = session.get(TeamSettings, team_id, with_for_update=True)
        before = snapshot(row)
        if row is None:
            row = TeamSettings(team_id=team_id)
            session.add(row)
        row.routing_mode, row.capacity, row.timezone = routing_mode, capacity, timezone
        row.business_hours, row.holidays = dict(business_hours), [str(h) for h in holidays]
        row.updated_at = ctx.now()
        write_audit(session, actor, "team.desk_settings_changed", row, before, snapshot(row))
    return row


def save_sla_policy(ctx: ActionContext, actor: Actor, spec: Mapping[str, Any]) -> SlaPolicy:
    """Create or replace (by name) one SLA policy (admins only)."""
    actor.require_role(UserRole.ADMIN)
    try:
        policy = parse_policy(spec)
    except ValueError as err:
        raise InvalidDeskSetting(str(err)) from None
    with ctx.sessions.begin() as session:
        if policy.team_id is not None and session.get(Team, policy.team_id) is None:
            raise InvalidDeskSetting(f"{policy.name}: there is no team {policy.team_id}.")
        row = session.scalars(select(SlaPolicy).where(SlaPolicy.name == policy.name)).first()
        before = snapshot(row)
        if row is None:
            row = SlaPolicy(name=policy.name)
            session.add(row)
        for key in ("priority", "tier", "channel", "team_id", "first_response_minutes",
                    "next_response_minutes", "resolution_minutes", "business_hours"):  # fmt: skip
            setattr(row, key, getattr(policy, key))
        row.active = True
        write_audit(session, actor, "sla_policy.saved", row, before, snapshot(row))
    return row


def deactivate_sla_policy(ctx: ActionContext, actor: Actor, policy_id: int) -> SlaPolicy:
    actor.require_role(UserRole.ADMIN)
    with ctx.sessions.begin() as session:
        row = session.get(SlaPolicy, policy_id, with_for_update=True)
        if row is None:
            raise NotFound(f"No SLA policy with id {policy_id}.")
        if not row.active:
            raise Conflict("This SLA policy is already inactive.")
        before = snapshot(row)
        row.active = False
        write_audit(session, actor, "sla_policy.deactivated", row, before, snapshot(row))
    return row


def policy_rows(session: Session) -> list[SlaPolicy]:
    """Every stored SLA policy, active or not (a read helper for the admin screens)."""
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)))
