"""Resolve the deadline in a promise ("by Friday", "within 5 business days") to an aware datetime.

Every phrase is resolved against the moment the reply is written (`now`), the team's IANA time zone
and its business days. The rules, all documented in docs/suggestions.md:

* a day without a time ("by Friday", "tomorrow") means that day's end of day (17:00 by default);
* "end of day", "close of business" mean the end of the current business day, or of the next one
  when today is not a business day or its end has passed;
* a bare weekday is its next occurrence, today included while today's end of day is ahead;
  "next Friday" skips today; "by Friday" written on a Saturday is the following Friday;
* "within N business days" is the end of day of the N-th business day after today;
  "within N days/weeks" counts calendar days; "within N hours/minutes" is an exact offset;
* morning, noon, afternoon, evening and tonight map to fixed local times (see `DueRules`).

Results are UTC-aware. Local wall times go through zoneinfo, so daylight-saving changes count.
Explicit calendar dates ("3 March", "2027-01-04") are parsed with dateparser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

from calmdesk.analysis.promises import due_patterns as pat
from calmdesk.analysis.promises.rules import DueRules
from calmdesk.domain.errors import UnsupportedValue

__all__ = ["DueMatch", "DueRules", "find_due", "parse_business_days", "resolve_due", "zone"]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_business_days(spec: str) -> frozenset[int]:
    """Turn "Mon,Tue,Wed,Thu,Fri" into weekday numbers (Monday = 0)."""
    days: set[int] = set()
    for part in spec.split(","):
        key = part.strip().lower()[:3]
        if key not in _WEEKDAYS:
            raise UnsupportedValue(f"Unknown business day {part.strip()!r}; use Mon,Tue,...")
        days.add(_WEEKDAYS.index(key))
    if not days:
        raise UnsupportedValue("Business days are empty; name at least one day, e.g. Mon.")
    return frozenset(days)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        msg = f"Unknown time zone {name!r}; use an IANA name like Europe/Berlin."
        raise UnsupportedValue(msg) from exc


@dataclass(frozen=True, slots=True)
class DueMatch:
    """Where the deadline phrase is in the text, and the UTC-aware moment it means."""

    start: int
    end: int
    text: str
    due: datetime


@dataclass(frozen=True, slots=True)
class _Ctx:
    now: datetime  # local, aware
    rules: DueRules

    def at(self, day: date, clock: time) -> datetime:
        local = datetime.combine(day, clock, tzinfo=self.now.tzinfo)
        # Round-trip through UTC so a wall time skipped by a DST change lands on a real instant.
        return local.astimezone(UTC).astimezone(self.now.tzinfo)

    def is_business(self, day: date) -> bool:
        return day.weekday() in self.rules.business_days

    def add_business_days(self, day: date, count: int) -> date:
        while count > 0:
            day += timedelta(days=1)
            count -= self.is_business(day)
        return day


def _check_now(now: datetime) -> None:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise UnsupportedValue("`now` must be an aware datetime (with a time zone).")


def find_due(
    text: str, now: datetime, tz: str | ZoneInfo = "UTC", rules: DueRules | None = None
) -> DueMatch | None:
    """Find the deadline phrase in `text` and resolve it; None when there is none.

    When several phrases appear, the first one introduced by a deadline word ("by", "within",
    "before", "on", "at") wins; otherwise the first one.
    """
    _check_now(now)
    tzinfo = tz if isinstance(tz, ZoneInfo) else zone(tz)
    ctx = _Ctx(now.astimezone(tzinfo), rules or DueRules())
    found = _durations(text, ctx) + _days(text, ctx)
    found += [t for t in _times(text, ctx) if not any(_overlap(t, f) for f in found)]
    if not found:
        return None
    found.sort(key=lambda f: (not pat.HAS_PREP.match(text, f[0]), f[0]))
    start, end, due = found[0]
    return DueMatch(start, end, text[start:end], due.astimezone(UTC))


def resolve_due(
    phrase: str, now: datetime, tz: str | ZoneInfo = "UTC", rules: DueRules | None = None
) -> datetime | None:
    """The UTC-aware deadline that `phrase` means, or None."""
    found = find_due(phrase, now, tz, rules)
    return found.due if found else None


_Found = tuple[int, int, datetime]


def _overlap(a: _Found, b: _Found) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _durations(text: str, ctx: _Ctx) -> list[_Found]:
    return [(m.start(), m.end(), _duration_due(m, ctx)) for m in pat.DURATION.finditer(text)]


def _duration_due(m: re.Match[str], ctx: _Ctx) -> datetime:
    instant = ctx.now.astimezone(UTC)  # hours and minutes are elapsed time, not wall-clock time
    if m.group("hour_only"):
        return instant + timedelta(hours=1)
    count = pat.number(m.group("hi") or m.group("n"))
    unit = m.group("unit").lower()
    if unit in pat.HOUR_UNITS:
        return instant + timedelta(hours=count)
    if unit.startswith("min"):
        return instant + timedelta(minutes=count)
    today = ctx.now.date()
    if m.group("biz"):
        day = ctx.add_business_days(today, count * (5 if unit.startswith("week") else 1))
    else:
        day = today + timedelta(days=count * (7 if unit.startswith("week") else 1))
    return ctx.at(day, ctx.rules.end_of_day)


def _days(text: str, ctx: _Ctx) -> list[_Found]:
    found: list[_Found] = []
    eod_start: int | None = None  # "close of business" directly before a day: that day's end
    for m in pat.DAY.finditer(text):
        resolved = _resolve_day(m, ctx)
        if resolved is None:
            continue
        day, default_clock, fixed = resolved
        start, end, clock = m.start(), m.end(), default_clock
        if not fixed:
            start, end, clock = _attach_time(text, m.start(), m.end(), ctx, default_clock)
        if eod_start is not None and pat.JOIN.fullmatch(text, found[-1][1], m.start()):
            found.pop()
            start, clock = eod_start, ctx.rules.end_of_day
        eod_start = m.start() if m.group("eod") else None
        found.append((start, end, ctx.at(day, clock)))
    return found


def _attach_time(
    text: str, start: int, end: int, ctx: _Ctx, default: time
) -> tuple[int, int, time]:
    after = pat.TIME_AFTER.match(text, end)
    if after is not None and (clock := pat.clock_of(after, ctx.rules)) is not None:
        return start, after.end(), clock
    before = pat.TIME_BEFORE.search(text, max(0, start - 40), start)
    if before is not None and (clock := pat.clock_of(before, ctx.rules)) is not None:
        return before.start(), end, clock
    return start, end, default


def _resolve_day(m: re.Match[str], ctx: _Ctx) -> tuple[date, time, bool] | None:
    """(date, default time, whether the time is fixed by the phrase itself)."""
    today, rules = ctx.now.date(), ctx.rules
    groups = m.groupdict()
    if groups["eod"]:
        return _business_eod(ctx), rules.end_of_day, True
    if groups["part"]:
        clock = pat.part_clock(groups["part"], rules)
        if ctx.now.time() >= _part_end(groups["part"], rules):
            return today, clock, True  # "this morning" written at 17:31: already past (P10 says)
        return today, clock if clock > ctx.now.time() else _today_clock(ctx), False
    if groups["tonight"]:
        return today, rules.tonight, True
    if groups["today"]:
        return today, _today_clock(ctx), False
    if groups["dat"]:
        return today + timedelta(days=2), rules.end_of_day, False
    if groups["tomorrow"]:
        return today + timedelta(days=1), rules.end_of_day, False
    if groups["nbd"]:
        return ctx.add_business_days(today, 1), rules.end_of_day, False
    if groups["weekday"]:
        return _weekday(groups, ctx), rules.end_of_day, False
    if groups["week"] or groups["month"]:
        return _period_end(groups, ctx), rules.end_of_day, True
    if groups["explicit"]:
        day = _explicit(groups["explicit"], ctx)
        return (day, rules.end_of_day, False) if day else None
    return None


def _part_end(part: str, rules: DueRules) -> time:
    """When "this morning" / "this afternoon" / "this evening" is over (local time)."""
    key = part.lower()
    if key == "morning":
        return rules.noon
    if key == "afternoon":
        return rules.evening
    return time(23, 59)


def _today_clock(ctx: _Ctx) -> time:
    eod = ctx.rules.end_of_day
    return eod if ctx.now.time() < eod else time(23, 59)


def _business_eod(ctx: _Ctx) -> date:
    today = ctx.now.date()
    if ctx.is_business(today) and ctx.now.time() < ctx.rules.end_of_day:
        return today
    return ctx.add_business_days(today, 1)


def _weekday(groups: dict[str, str | None], ctx: _Ctx) -> date:
    target = _WEEKDAYS.index((groups["weekday"] or "")[:3].lower())
    today = ctx.now.date()
    ahead = (target - today.weekday()) % 7
    skip_today = bool(groups["next"]) or ctx.now.time() >= ctx.rules.end_of_day
    if ahead == 0 and skip_today:
        ahead = 7
    return today + timedelta(days=ahead)


def _last_business_on_or_before(day: date, ctx: _Ctx) -> date:
    for _ in range(7):
        if ctx.is_business(day):
            return day
        day -= timedelta(days=1)
    return day


def _period_end(groups: dict[str, str | None], ctx: _Ctx) -> date:
    today = ctx.now.date()
    if groups["week"]:
        offset = 7 if groups["week_next"] else 0
        sunday = today + timedelta(days=6 - today.weekday() + offset)
        end = _last_business_on_or_before(sunday, ctx)
        if end < today or (end == today and ctx.now.time() >= ctx.rules.end_of_day):
            end = _last_business_on_or_before(sunday + timedelta(days=7), ctx)
        return end
    months = 1 if groups["month_next"] else 0
    end = _month_end(today, months, ctx)
    if end < today or (end == today and ctx.now.time() >= ctx.rules.end_of_day):
        end = _month_end(today, months + 1, ctx)
    return end


def _month_end(today: date, months_ahead: int, ctx: _Ctx) -> date:
    first = today.replace(day=1)
    for _ in range(months_ahead + 1):
        first = (first + timedelta(days=32)).replace(day=1)
    return _last_business_on_or_before(first - timedelta(days=1), ctx)


def _explicit(phrase: str, ctx: _Ctx) -> date | None:
    base = ctx.now.replace(tzinfo=None)
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base, "DATE_ORDER": "DMY"}
    parsed = dateparser.parse(phrase, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def _times(text: str, ctx: _Ctx) -> list[_Found]:
    found: list[_Found] = []
    for m in pat.TIME_ALONE.finditer(text):
        clock = pat.clock_of(m, ctx.rules)
        if clock is None:
            continue
        day = ctx.now.date()
        if clock <= ctx.now.time():
            day += timedelta(days=1)
        found.append((m.start(), m.end(), ctx.at(day, clock)))
    return found
