"""Deadline phrases resolved against the moment of writing, the team's zone and business days."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from calmdesk.analysis.promises.due_dates import (
    DueRules,
    find_due,
    parse_business_days,
    resolve_due,
)
from calmdesk.domain import UnsupportedValue

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


# Saturday 28 November 2026, 10:00 in Berlin (CET, +01:00)
SATURDAY = at("2026-11-28T10:00:00+01:00")


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("by Friday", "2026-12-04T17:00:00+01:00"),  # written on a Saturday: the next Friday
        ("next Friday", "2026-12-04T17:00:00+01:00"),
        ("on Monday", "2026-11-30T17:00:00+01:00"),
        ("within 5 business days", "2026-12-04T17:00:00+01:00"),  # Mon..Fri, weekend skipped
        ("within 5 days", "2026-12-03T17:00:00+01:00"),  # calendar days
        ("by end of day", "2026-11-30T17:00:00+01:00"),  # Saturday is no business day
        ("tomorrow morning", "2026-11-29T09:00:00+01:00"),
        ("tomorrow at 10:30", "2026-11-29T10:30:00+01:00"),
        ("by 3pm tomorrow", "2026-11-29T15:00:00+01:00"),
        ("first thing Monday", "2026-11-30T09:00:00+01:00"),
        ("by the end of the week", "2026-12-04T17:00:00+01:00"),
        ("by the end of the month", "2026-11-30T17:00:00+01:00"),  # Monday 30th
        ("within the hour", "2026-11-28T11:00:00+01:00"),
        ("within 24 hours", "2026-11-29T10:00:00+01:00"),
        ("by 12 December", "2026-12-12T17:00:00+01:00"),
        ("by the next business day", "2026-11-30T17:00:00+01:00"),
        ("by close of business on Tuesday", "2026-12-01T17:00:00+01:00"),
    ],
)
def test_resolve_due_reads_phrases_written_on_a_saturday(phrase: str, expected: str) -> None:
    assert resolve_due(phrase, SATURDAY, BERLIN) == at(expected)


@pytest.mark.parametrize(
    ("now", "phrase", "expected"),
    [
        # month end and year end
        ("2026-12-31T11:00:00+01:00", "tomorrow", "2027-01-01T17:00:00+01:00"),
        ("2026-12-31T11:00:00+01:00", "within 3 business days", "2027-01-05T17:00:00+01:00"),
        ("2026-12-31T11:00:00+01:00", "by the end of next week", "2027-01-08T17:00:00+01:00"),
        ("2026-04-30T10:00:00+02:00", "by the end of next month", "2026-05-29T17:00:00+02:00"),
        ("2026-01-30T18:00:00+01:00", "within 1 business day", "2026-02-02T17:00:00+01:00"),
        ("2027-02-26T18:00:00+01:00", "by the end of the month", "2027-03-31T17:00:00+02:00"),
        # a bare weekday is today while today's end of day is still ahead, else next week
        ("2026-11-25T14:30:00+01:00", "by Wednesday", "2026-11-25T17:00:00+01:00"),
        ("2026-11-25T17:30:00+01:00", "by Wednesday", "2026-12-02T17:00:00+01:00"),
        ("2026-11-25T14:30:00+01:00", "next Wednesday", "2026-12-02T17:00:00+01:00"),
        # past the end of the day
        ("2026-11-24T18:30:00+01:00", "by end of day", "2026-11-25T17:00:00+01:00"),
        ("2026-11-24T18:30:00+01:00", "today", "2026-11-24T23:59:00+01:00"),
        ("2026-11-24T18:30:00+01:00", "at 8pm", "2026-11-24T20:00:00+01:00"),
        ("2026-11-24T18:30:00+01:00", "by noon", "2026-11-25T12:00:00+01:00"),
    ],
)
def test_resolve_due_crosses_month_and_year_ends(now: str, phrase: str, expected: str) -> None:
    assert resolve_due(phrase, at(now), BERLIN) == at(expected)


@pytest.mark.parametrize(
    ("now", "tz", "phrase", "expected"),
    [
        # Berlin springs forward on Sunday 29 March 2026 (+01:00 -> +02:00)
        ("2026-03-27T10:00:00+01:00", BERLIN, "on Monday", "2026-03-30T17:00:00+02:00"),
        ("2026-03-27T10:00:00+01:00", BERLIN, "within 48 hours", "2026-03-29T11:00:00+02:00"),
        ("2026-03-27T10:00:00+01:00", BERLIN, "on Sunday morning", "2026-03-29T09:00:00+02:00"),
        # Berlin falls back on Sunday 25 October 2026 (+02:00 -> +01:00)
        ("2026-10-23T15:00:00+02:00", BERLIN, "within 72 hours", "2026-10-26T14:00:00+01:00"),
        ("2026-10-23T15:00:00+02:00", BERLIN, "on Sunday at 9am", "2026-10-25T09:00:00+01:00"),
        ("2026-10-25T01:30:00+02:00", BERLIN, "in 3 hours", "2026-10-25T03:30:00+01:00"),
        # a wall time skipped by the spring change moves forward; a repeated one is the first
        ("2026-03-27T10:00:00+01:00", BERLIN, "on Sunday at 2:30am", "2026-03-29T03:30+02:00"),
        ("2026-10-23T15:00:00+02:00", BERLIN, "on Sunday at 2:30am", "2026-10-25T02:30+02:00"),
        # New York: spring forward 8 March 2026, fall back 1 November 2026
        ("2026-03-06T16:00:00-05:00", NEW_YORK, "on Monday at 9am", "2026-03-09T09:00:00-04:00"),
        ("2026-03-06T16:00:00-05:00", NEW_YORK, "within 24 hours", "2026-03-07T16:00:00-05:00"),
        ("2026-10-30T12:00:00-04:00", NEW_YORK, "within 2 days", "2026-11-01T17:00:00-05:00"),
        ("2026-10-30T12:00:00-04:00", NEW_YORK, "on Monday", "2026-11-02T17:00:00-05:00"),
        # the same instant read in another zone lands on that zone's local day
        ("2026-11-29T20:00:00+09:00", "Asia/Tokyo", "by Monday at noon", "2026-11-30T12:00+09:00"),
        ("2026-11-29T20:00:00+09:00", NEW_YORK, "by Monday at noon", "2026-11-30T12:00-05:00"),
    ],
)
def test_resolve_due_follows_time_zones_and_daylight_saving(
    now: str, tz: str, phrase: str, expected: str
) -> None:
    assert resolve_due(phrase, at(now), tz) == at(expected)


def test_resolve_due_returns_utc_aware_datetimes() -> None:
    due = resolve_due("by Friday", SATURDAY, BERLIN)
    assert due is not None
    assert due.tzinfo is UTC
    assert due == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days", "phrase", "expected"),
    [
        ("Mon,Tue,Wed,Thu", "within 3 business days", "2026-12-28T17:00:00-08:00"),
        ("Mon,Tue,Wed,Thu", "by the end of the week", "2026-12-24T17:00:00-08:00"),
        ("Sun,Mon,Tue,Wed,Thu", "within 3 business days", "2026-12-27T17:00:00-08:00"),
    ],
)
def test_resolve_due_uses_the_configured_business_days(
    days: str, phrase: str, expected: str
) -> None:
    rules = DueRules(business_days=parse_business_days(days))
    now = at("2026-12-22T09:00:00-08:00")  # a Tuesday in Los Angeles
    assert resolve_due(phrase, now, "America/Los_Angeles", rules) == at(expected)


def test_resolve_due_uses_the_configured_end_of_day_and_morning() -> None:
    rules = DueRules(end_of_day=time(18, 30), morning=time(8, 0))
    assert resolve_due("by Friday", SATURDAY, BERLIN, rules) == at("2026-12-04T18:30:00+01:00")
    assert resolve_due("tomorrow morning", SATURDAY, BERLIN, rules) == at(
        "2026-11-29T08:00:00+01:00"
    )


@pytest.mark.parametrize(
    "text", ["as soon as possible", "shortly", "in the next few days", "no date", "soon-ish"]
)
def test_find_due_returns_none_for_vague_or_missing_times(text: str) -> None:
    assert find_due(text, SATURDAY, BERLIN) is None


def test_find_due_prefers_the_phrase_introduced_by_a_deadline_word() -> None:
    found = find_due("Today I will send it by Tuesday", SATURDAY, BERLIN)
    assert found is not None
    assert (found.text, found.due) == ("by Tuesday", at("2026-12-01T17:00:00+01:00"))


def test_find_due_accepts_a_zoneinfo_object() -> None:
    assert resolve_due("on Monday", SATURDAY, ZoneInfo(BERLIN)) == at("2026-11-30T17:00+01:00")


@pytest.mark.parametrize(
    ("now", "tz"),
    [
        (datetime(2026, 11, 28, 10, 0), BERLIN),  # naive  # noqa: DTZ001
        (SATURDAY, "Mars/Olympus_Mons"),
        (SATURDAY, ""),
    ],
)
def test_resolve_due_rejects_naive_times_and_unknown_zones(now: datetime, tz: str) -> None:
    with pytest.raises(UnsupportedValue):
        resolve_due("by Friday", now, tz)


@pytest.mark.parametrize("spec", ["", "Mon,Funday", "Caturday"])
def test_parse_business_days_rejects_unknown_names(spec: str) -> None:
    with pytest.raises(UnsupportedValue):
        parse_business_days(spec)


def test_parse_business_days_reads_names_in_any_case() -> None:
    assert parse_business_days("mon, TUE,Wednesday") == frozenset({0, 1, 2})


def test_resolve_due_hours_are_elapsed_time_not_wall_time() -> None:
    due = resolve_due("within 48 hours", at("2026-03-28T12:00:00+01:00"), BERLIN)
    assert due == at("2026-03-28T12:00:00+01:00") + timedelta(hours=48)
