"""The desk's settings as data: packaged defaults (`defaults/desk.yaml`), a team's own settings
(`team_settings`) and the SLA policies (`sla_policies`, the defaults while none is defined).

Everything is validated when it is loaded or saved; a file or row that would not load raises
`InvalidDeskSetting` saying why, and nothing half-valid is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.analysis.sla import (
    BusinessHours,
    SlaPolicySpec,
    parse_business_hours,
    parse_policy,
)
from calmdesk.domain.errors import InvalidDeskSetting
from calmdesk.storage.desk import SlaPolicy, TeamSettings

__all__ = [
    "ROUTING_MODES",
    "DeskDefaults",
    "Routing",
    "desk_defaults",
    "sla_policies",
    "team_hours",
    "team_routing",
]

ROUTING_MODES = ("round_robin", "least_open", "manual")


@dataclass(frozen=True, slots=True)
class Routing:
    mode: str
    capacity: int
    online_minutes: int


@dataclass(frozen=True, slots=True)
class DeskDefaults:
    routing: Routing
    timezone: str
    week: dict[str, Any]
    holidays: tuple[str, ...]
    warn_before_minutes: int
    policies: tuple[SlaPolicySpec, ...]


def check_routing(mode: Any, capacity: Any, online_minutes: Any = 10) -> Routing:
    if mode not in ROUTING_MODES:
        raise InvalidDeskSetting(f"Routing mode must be one of {', '.join(ROUTING_MODES)}.")
    for name, value, top in (("capacity", capacity, 500), ("online_minutes", online_minutes, 1440)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise InvalidDeskSetting(f"{name} must be a whole number from 1 to {top}.")
    return Routing(str(mode), int(capacity), int(online_minutes))


def _parse_defaults(raw: Any, source: str) -> DeskDefaults:
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise InvalidDeskSetting(f"{source}: expected a mapping with `version: 1`.")
    try:
        routing = raw.get("routing") or {}
        hours = raw.get("business_hours") or {}
        sla = raw.get("sla") or {}
        parse_business_hours(
            hours.get("timezone", "UTC"), hours.get("week"), hours.get("holidays", ())
        )
        policies = tuple(parse_policy(p, i) for i, p in enumerate(sla.get("policies") or []))
        warn = sla.get("warn_before_minutes", 15)
        if isinstance(warn, bool) or not isinstance(warn, int) or not 0 <= warn <= 1440:
            raise ValueError("sla.warn_before_minutes must be 0 to 1440.")
    except (ValueError, AttributeError, TypeError) as err:
        raise InvalidDeskSetting(f"{source}: {err}") from None
    if not policies:
        raise InvalidDeskSetting(f"{source}: define at least one SLA policy.")
    return DeskDefaults(
        routing=check_routing(
            routing.get("mode", "least_open"),
            routing.get("capacity", 8),
            routing.get("online_minutes", 10),
        ),
        timezone=str(hours.get("timezone", "UTC")),
        week=dict(hours.get("week") or {}),
        holidays=tuple(str(h) for h in hours.get("holidays") or ()),
        warn_before_minutes=int(warn),
        policies=policies,
    )


@lru_cache(maxsize=8)
def desk_defaults(path: Path | None = None) -> DeskDefaults:
    """The defaults from `path`, or the packaged `defaults/desk.yaml`."""
    if path is None:
        text = resources.files("calmdesk.defaults").joinpath("desk.yaml").read_text("utf-8")
        source = "defaults/desk.yaml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as err:
            raise InvalidDeskSetting(f"{path}: cannot be read ({err.strerror}).") from None
        source = str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise InvalidDeskSetting(f"{source}: not valid YAML ({err}).") from None
    return _parse_defaults(raw, source)


def team_routing(session: Session, team_id: int | None, defaults: DeskDefaults) -> Routing:
    row = session.get(TeamSettings, team_id) if team_id is not None else None
    if row is None:
        return defaults.routing
    return Routing(row.routing_mode, row.capacity, defaults.routing.online_minutes)


def team_hours(
    session: Session, team_id: int | None, defaults: DeskDefaults, fallback_tz: str
) -> BusinessHours:
    """The team's business hours (its own row, else the defaults in `fallback_tz`)."""
    row = session.get(TeamSettings, team_id) if team_id is not None else None
    try:
        if row is not None and row.business_hours:
            return parse_business_hours(row.timezone, row.business_hours, row.holidays)
        tz = row.timezone if row is not None else fallback_tz
        return parse_business_hours(tz, defaults.week, defaults.holidays)
    except ValueError:
        return parse_business_hours("UTC", defaults.week, defaults.holidays)


def sla_policies(session: Session, defaults: DeskDefaults) -> list[SlaPolicySpec]:
    """The active policies defined by admins, or the packaged ones while there are none."""
    rows = session.scalars(
        select(SlaPolicy).where(SlaPolicy.active.is_(True)).order_by(SlaPolicy.id)
    ).all()
    if not rows:
        return list(defaults.policies)
    return [
        SlaPolicySpec(
            r.name,
            r.first_response_minutes,
            r.next_response_minutes,
            r.resolution_minutes,
            r.priority,
            r.tier,
            r.channel,
            r.team_id,
            r.business_hours,
            i,
        )  # fmt: skip
        for i, r in enumerate(rows)
    ]
