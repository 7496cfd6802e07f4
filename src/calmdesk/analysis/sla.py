"""Business-hours arithmetic for SLAs: pure functions, no database, no clock.

A team's `BusinessHours` say when it works: open windows per weekday in the team's own time zone,
and holidays (local dates) when it does not. `add_business_minutes(start, minutes, hours)` is the
moment `minutes` of working time after `start`; `business_minutes_between` counts working minutes.

Windows are laid out per local day and converted to UTC one day at a time, so a day on which the
clocks change is as long as it really is (23 or 25 hours), and 09:00 stays 09:00 local time on
both sides of a DST change. `always` (24/7) skips the calendar altogether.

Policies are picked by `pick_policy`: the most specific active policy whose named fields
(priority, tier, channel, team) all match wins; ties go to the earliest defined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAYS",
    "BusinessHours",
    "SlaPolicySpec",
    "add_business_minutes",
    "business_minutes_between",
    "parse_business_hours",
    "parse_policy",
    "pick_policy",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 800  # a calendar that never opens again is refused long before this
_METRICS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")
Window = tuple[time, time | None]  # None: until midnight ("24:00")


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """When a team works: windows per weekday (0 = Monday) in `tz`, and local holiday dates."""

    tz: ZoneInfo
    week: Mapping[int, tuple[Window, ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always: bool = False

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open windows of one local date, as aware datetimes in `tz` (none on holidays)."""
        if day in self.holidays:
            return []
        out = []
        for start, end in self.week.get(day.weekday(), ()):
            opens = datetime.combine(day, start, tzinfo=self.tz)
            closes = (
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz)
                if end is None
                else datetime.combine(day, end, tzinfo=self.tz)
            )
            out.append((opens, closes))
        return out


def _clock(text: Any, what: str) -> time | None:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise ValueError(f"{what}: write times as HH:MM, e.g. 09:00 (got {text!r}).")
    if text == "24:00":
        return None
    try:
        hour, minute = int(text[:2]), int(text[3:])
        return time(hour, minute)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a time of day.") from None


def _windows(spec: Any, day: str) -> tuple[Window, ...]:
    if spec in (None, "closed", []):
        return ()
    items = spec if isinstance(spec, list) and spec and isinstance(spec[0], list) else [spec]
    out: list[Window] = []
    for item in items:
        if not isinstance(item, list) or len(item) != 2:
            raise ValueError(f'{day}: give ["HH:MM", "HH:MM"] or a list of them.')
        start, end = _clock(item[0], day), _clock(item[1], day)
        if start is None:
            raise ValueError(f"{day}: a window cannot open at 24:00.")
        if end is not None and end <= start:
            raise ValueError(f"{day}: the window {item[0]}-{item[1]} closes before it opens.")
        out.append((start, end))
    out.sort(key=lambda w: w[0])
    for (_, end), (start, _) in zip(out, out[1:], strict=False):
        if end is None or end > start:
            raise ValueError(f"{day}: windows overlap.")
    return tuple(out)


def parse_business_hours(
    timezone: str,
    week: Mapping[str, Any] | None,
    holidays: Iterable[Any] = (),
    always: bool = False,
) -> BusinessHours:
    """Validated business hours; ValueError says what is wrong (a bad zone, time or date)."""
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{timezone!r} is not a known time zone (e.g. Europe/Berlin).") from None
    if always:
        return BusinessHours(tz=tz, always=True)
    if not isinstance(week, Mapping):
        raise ValueError('Business hours need a window per day, e.g. mon: ["09:00", "17:00"].')
    unknown = set(week) - set(DAYS)
    if unknown:
        raise ValueError(f"Unknown day(s) {sorted(unknown)}; use {', '.join(DAYS)}.")
    parsed = {i: _windows(week.get(day), day) for i, day in enumerate(DAYS)}
    if not any(parsed.values()):
        raise ValueError("The team is never open; give at least one day a window.")
    days: set[date] = set()
    for item in holidays:
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            raise ValueError(f"Holiday {item!r} is not a date (YYYY-MM-DD).") from None
    return BusinessHours(tz=tz, week=parsed, holidays=frozenset(days))


def add_business_minutes(start: datetime, minutes: float, hours: BusinessHours) -> datetime:
    """The moment `minutes` of working time after `start` (aware), in UTC."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    left = timedelta(minutes=max(0.0, minutes))
    if hours.always:
        return (start + left).astimezone(ZoneInfo("UTC"))
    begin = start.astimezone(ZoneInfo("UTC"))
    day = start.astimezone(hours.tz).date()
    for _ in range(_MAX_DAYS):
        for opens, closes in hours.windows(day):
            lo, hi = max(opens.astimezone(begin.tzinfo), begin), closes.astimezone(begin.tzinfo)
            if lo >= hi:
                continue
            if left <= hi - lo:
                return lo + left
            left -= hi - lo
        day += timedelta(days=1)
    raise ValueError("The business calendar has no open time in the next two years.")


def business_minutes_between(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """Working minutes from `start` to `end` (negative when `end` is earlier)."""
    if end < start:
        return -business_minutes_between(end, start, hours)
    if hours.always:
        return (end - start).total_seconds() / 60
    total = timedelta()
    utc = ZoneInfo("UTC")  # subtract in UTC: same-zone aware datetimes subtract as wall time
    start, end = start.astimezone(utc), end.astimezone(utc)
    day = start.astimezone(hours.tz).date()
    last = end.astimezone(hours.tz).date()
    while day <= last:
        for opens, closes in hours.windows(day):
            lo, hi = max(opens.astimezone(utc), start), min(closes.astimezone(utc), end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 60


@dataclass(frozen=True, slots=True)
class SlaPolicySpec:
    """One SLA policy: targets in minutes, and which cases it applies to (None: any)."""

    name: str
    first_response_minutes: int
    next_response_minutes: int
    resolution_minutes: int
    priority: str | None = None
    tier: str | None = None
    channel: str | None = None
    team_id: int | None = None
    business_hours: bool = True
    order: int = 0

    def matches(self, priority: str, tier: str, channel: str, team_id: int | None) -> int:
        """How many named fields match; -1 when any named field does not."""
        score = 0
        for want, got in (
            (self.priority, priority),
            (self.tier, tier),
            (self.channel, channel),
            (self.team_id, team_id),
        ):
            if want is None:
                continue
            if want != got:
                return -1
            score += 1
        return score


def parse_policy(raw: Mapping[str, Any], order: int = 0) -> SlaPolicySpec:
    """A validated policy from a mapping (YAML or the admin form); ValueError says why not."""
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise ValueError("Each SLA policy needs a name (1-80 characters).")
    targets: dict[str, int] = {}
    for key in _METRICS:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 525_600:
            raise ValueError(f"{name}: {key} must be a whole number of minutes, 1 to 525600.")
        targets[key] = value
    match: dict[str, Any] = {}
    for key in ("priority", "tier", "channel"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"{name}: {key} must be text or left out.")
        match[key] = value.strip() if isinstance(value, str) else None
    team = raw.get("team_id")
    if team is not None and (isinstance(team, bool) or not isinstance(team, int)):
        raise ValueError(f"{name}: team_id must be a team id or left out.")
    business = raw.get("business_hours", True)
    if not isinstance(business, bool):
        raise ValueError(f"{name}: business_hours must be true or false.")
    return SlaPolicySpec(
        name=name.strip(),
        first_response_minutes=targets["first_response_minutes"],
        next_response_minutes=targets["next_response_minutes"],
        resolution_minutes=targets["resolution_minutes"],
        priority=match["priority"],
        tier=match["tier"],
        channel=match["channel"],
        team_id=team,
        business_hours=business,
        order=order,
    )


def pick_policy(
    policies: Sequence[SlaPolicySpec],
    *,
    priority: str,
    tier: str,
    channel: str,
    team_id: int | None,
) -> SlaPolicySpec | None:
    """The most specific matching policy (ties: the one defined first)."""
    best: tuple[int, int] | None = None
    chosen = None
    for policy in policies:
        score = policy.matches(priority, tier, channel, team_id)
        if score < 0:
            continue
        key = (score, -policy.order)
        if best is None or key > best:
            best, chosen = key, policy
    return chosen
