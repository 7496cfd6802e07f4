"""Business-hours arithmetic behind SLA due times: weekends, holidays, DST, policy choice."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from calmdesk.analysis.sla import (
    add_business_minutes,
    business_minutes_between,
    parse_business_hours,
    parse_policy,
    pick_policy,
)

WEEK = {d: ["09:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def hours(**kw: object) -> object:
    return parse_business_hours("Europe/Berlin", kw.pop("week", WEEK), **kw)  # type: ignore[arg-type]


def test_sla_hours_within_the_same_day() -> None:
    due = add_business_minutes(berlin(2026, 3, 2, 10, 0), 90, hours())
    assert due == berlin(2026, 3, 2, 11, 30)


def test_sla_hours_carry_over_the_weekend() -> None:
    # Friday 16:30 + 60 working minutes: 30 on Friday, 30 on Monday
    due = add_business_minutes(berlin(2026, 3, 6, 16, 30), 60, hours())
    assert due == berlin(2026, 3, 9, 9, 30)


def test_sla_hours_after_closing_start_next_morning() -> None:
    due = add_business_minutes(berlin(2026, 3, 2, 20, 0), 15, hours())
    assert due == berlin(2026, 3, 3, 9, 15)


def test_sla_hours_skip_holidays() -> None:
    h = hours(holidays=["2026-04-03", "2026-04-06"])  # Good Friday, Easter Monday
    due = add_business_minutes(berlin(2026, 4, 2, 16, 0), 120, h)
    assert due == berlin(2026, 4, 7, 10, 0)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # the clocks go forward on Sunday 29 March 2026: Monday 09:00 is 07:00 UTC, not 08:00
        (berlin(2026, 3, 27, 16, 0), datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),
        # and back on Sunday 25 October 2026: Monday 09:00 is 08:00 UTC
        (berlin(2026, 10, 23, 16, 0), datetime(2026, 10, 26, 9, 0, tzinfo=UTC)),
    ],
)
def test_sla_hours_stay_on_local_time_across_dst(start: datetime, expected: datetime) -> None:
    # Friday 16:00 + 120 working minutes: 60 on Friday, 60 on Monday (until 10:00 local)
    due = add_business_minutes(start, 120, hours())
    assert due == expected
    assert due.astimezone(BERLIN).hour == 10


def test_sla_hours_a_24_hour_day_on_the_dst_day_is_23_hours_long() -> None:
    always_sunday = parse_business_hours("Europe/Berlin", {"sun": ["00:00", "24:00"]})
    start, end = berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0)
    assert business_minutes_between(start, end, always_sunday) == 23 * 60


def test_sla_hours_counting_matches_adding() -> None:
    h = hours(holidays=["2026-03-04"])
    start = berlin(2026, 3, 2, 15, 10)
    due = add_business_minutes(start, 1000, h)
    assert business_minutes_between(start, due, h) == pytest.approx(1000)


def test_sla_hours_always_open_is_clock_time() -> None:
    h = parse_business_hours("UTC", None, always=True)
    start = datetime(2026, 3, 7, 23, 0, tzinfo=UTC)
    assert add_business_minutes(start, 90, h) == datetime(2026, 3, 8, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "week", "holidays", "message"),
    [
        ("Mars/Olympus", WEEK, [], "not a known time zone"),
        ("UTC", {"mon": ["17:00", "09:00"]}, [], "closes before it opens"),
        ("UTC", {"mon": ["9am", "17:00"]}, [], "HH:MM"),
        ("UTC", {"funday": ["09:00", "17:00"]}, [], "Unknown day"),
        ("UTC", {"mon": "closed"}, [], "never open"),
        ("UTC", {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}, [], "overlap"),
        ("UTC", WEEK, ["not-a-date"], "not a date"),
    ],
)
def test_sla_hours_refuse_broken_calendars_and_say_why(
    tz: str, week: dict[str, object], holidays: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_business_hours(tz, week, holidays)


def test_sla_policy_most_specific_match_wins() -> None:
    policies = [
        parse_policy({"name": "standard", "first_response_minutes": 240,
                      "next_response_minutes": 480, "resolution_minutes": 2400}, 0),
        parse_policy({"name": "chat", "channel": "chat", "first_response_minutes": 5,
                      "next_response_minutes": 10, "resolution_minutes": 480}, 1),
        parse_policy({"name": "gold chat", "channel": "chat", "tier": "gold",
                      "first_response_minutes": 2, "next_response_minutes": 5,
                      "resolution_minutes": 240}, 2),
    ]  # fmt: skip
    pick = lambda **kw: pick_policy(policies, **kw).name  # noqa: E731
    assert pick(priority="normal", tier="gold", channel="chat", team_id=None) == "gold chat"
    assert pick(priority="normal", tier="standard", channel="chat", team_id=None) == "chat"
    assert pick(priority="normal", tier="gold", channel="email", team_id=None) == "standard"


@pytest.mark.parametrize(
    "raw",
    [
        {"name": "", "first_response_minutes": 1, "next_response_minutes": 1,
         "resolution_minutes": 1},
        {"name": "x", "first_response_minutes": 0, "next_response_minutes": 1,
         "resolution_minutes": 1},
        {"name": "x", "first_response_minutes": "5", "next_response_minutes": 1,
         "resolution_minutes": 1},
        {"name": "x", "first_response_minutes": 5, "next_response_minutes": 1,
         "resolution_minutes": 1, "business_hours": "yes"},
    ],
)  # fmt: skip
def test_sla_policy_refuses_broken_policies(raw: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        parse_policy(raw)
