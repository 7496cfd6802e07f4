"""Promises in an agent's reply: action, owner, due date and span."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from calmdesk.analysis.promises.commitments import MAX_PROMISE_TEXT, extract_commitments
from calmdesk.domain import EmptyInput, InputTooLarge, MalformedInput, UnsupportedValue

CASES = Path(__file__).resolve().parents[1] / "data" / "promises.jsonl"
BERLIN = "Europe/Berlin"
SATURDAY = datetime.fromisoformat("2026-11-28T10:00:00+01:00")


def _dev_cases() -> list[dict[str, Any]]:
    lines = CASES.read_text("utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    return [c for c in cases if c.get("split", "dev") == "dev"]


def _expected(case: dict[str, Any]) -> list[tuple[str, str, datetime | None]]:
    return [
        (e["action"].lower(), e["owner"], datetime.fromisoformat(e["due"]) if e["due"] else None)
        for e in case["expected"]
    ]


def test_promise_cases_file_holds_at_least_100_cases() -> None:
    lines = [line for line in CASES.read_text("utf-8").splitlines() if line.strip()]
    assert len(lines) >= 100
    assert all(json.loads(line)["id"] for line in lines)


@pytest.mark.parametrize("case", _dev_cases(), ids=lambda c: c["id"])
def test_extract_commitments_matches_the_written_case(case: dict[str, Any]) -> None:
    found = extract_commitments(
        case["text"],
        datetime.fromisoformat(case["now"]),
        case["tz"],
        case.get("business_days", "Mon,Tue,Wed,Thu,Fri"),
    )
    assert [(c.action.lower(), c.owner, c.due) for c in found] == _expected(case)


@pytest.mark.parametrize(
    "text",
    [
        "We cannot promise that the parcel will arrive by Friday.",
        "Will you be at home tomorrow?",
        "I already sent the replacement on Monday.",
        "Last week we told you it would ship on Friday.",
        "Maybe we'll manage it by Tuesday.",
        "I can send a replacement or refund the order.",
        "I won't be able to call you tomorrow.",
        "Thank you for your patience.",
        "I'm sorry the parcel did not arrive when it should have.",
    ],
)
def test_extract_commitments_ignores_non_promises(text: str) -> None:
    assert extract_commitments(text, SATURDAY, BERLIN) == []


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("I'll call you tomorrow.", "agent"),
        ("We will call you tomorrow.", "team"),
        ("Your refund will arrive tomorrow.", "team"),
        ("Someone from our billing team will call you tomorrow.", "billing"),
        ("The tech support team will call you tomorrow.", "technical support"),
        ("A supervisor will call you tomorrow.", "supervisor"),
        ("My team leader will call you tomorrow.", "team lead"),
        ("I passed this to a supervisor, who will call you tomorrow.", "supervisor"),
        ("I asked our returns team, who will call you tomorrow.", "returns"),
        ("I spoke to my supervisor, and she will call you tomorrow.", "supervisor"),
    ],
)
def test_extract_commitments_names_who_keeps_the_promise(text: str, owner: str) -> None:
    (found,) = extract_commitments(text, SATURDAY, BERLIN)
    assert found.owner == owner


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one deadline covers both joined actions
        ("I'll remove the fee today and refund it.", [("remove the fee and refund it", "17:00")]),
        # each action has its own deadline: two promises
        (
            "I'll send it by Friday and call you tomorrow.",
            [("send it", "17:00"), ("call you", "17:00")],
        ),
        # a trailing "-ing" clause is not part of the action or its deadline
        ("It will be posted tomorrow, arriving in 3 days.", [("It will be posted", "17:00")]),
    ],
)
def test_extract_commitments_splits_joined_actions_only_with_own_deadlines(
    text: str, expected: list[tuple[str, str]]
) -> None:
    found = extract_commitments(text, SATURDAY, "UTC")
    assert [(c.action, c.due.strftime("%H:%M") if c.due else None) for c in found] == expected


def test_extract_commitments_spans_index_into_the_text() -> None:
    text = "Thanks. I'll send a replacement by Friday, and we will refund the fee today."
    found = extract_commitments(text, SATURDAY, BERLIN)
    assert [c.span.text for c in found] == [
        "I'll send a replacement by Friday",
        "we will refund the fee today",
    ]
    for c in found:
        assert text[c.span.start : c.span.end] == c.span.text
        assert c.span.label == "promise"


def test_extract_commitments_stores_due_dates_in_utc() -> None:
    (found,) = extract_commitments("I'll send it by Friday.", SATURDAY, BERLIN)
    assert found.due == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert found.due is not None and found.due.tzinfo is UTC


def test_extract_commitments_accepts_weekday_numbers_for_business_days() -> None:
    text = "Your refund will be sent within 2 business days."
    (by_name,) = extract_commitments(text, SATURDAY, BERLIN, "Sun,Mon")
    (by_number,) = extract_commitments(text, SATURDAY, BERLIN, [6, 0])
    assert by_name.due == by_number.due == datetime.fromisoformat("2026-11-30T17:00+01:00")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", EmptyInput),
        ("   \n ", EmptyInput),
        (b"I'll call you", MalformedInput),
        (None, MalformedInput),
        ("I'll call you tomorrow. " * (MAX_PROMISE_TEXT // 10), InputTooLarge),
    ],
)
def test_extract_commitments_rejects_bad_input_clearly(text: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        extract_commitments(text, SATURDAY, BERLIN)


@pytest.mark.parametrize("text", ["I'll call you tomorrow.", "No promise in here."])
def test_extract_commitments_rejects_an_unknown_time_zone(text: str) -> None:
    with pytest.raises(UnsupportedValue):
        extract_commitments(text, SATURDAY, "Nowhere/Special")


def test_extract_commitments_rejects_a_naive_now() -> None:
    with pytest.raises(UnsupportedValue):
        extract_commitments("Hello.", datetime(2026, 11, 28, 10, 0), BERLIN)  # noqa: DTZ001


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('I will call you tomorrow')</script>",
        "\x00\x01 I'll call you tomorrow \ufeff",
        "I'll " * 2000,
        "by by by by Friday Friday within within hours",
    ],
)
def test_extract_commitments_survives_hostile_text(text: str) -> None:
    found = extract_commitments(text, SATURDAY, BERLIN)
    assert all(text[c.span.start : c.span.end] == c.span.text for c in found)


TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _due(hour: int, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I have sent a replacement that ships tomorrow, you will get tracking by email tonight",
            [("replacement will ship", _due(17, 2)), ("you will get tracking by email", _due(21))],
        ),
        (
            "The new unit ships on Friday and you'll receive the invoice tomorrow.",
            [("unit will ship", _due(17, 4)), ("you will receive the invoice", _due(17, 2))],
        ),
        ("Your parcel arrives on Thursday.", [("parcel will arrive", _due(17, 3))]),
    ],
)
def test_a_thing_in_the_present_tense_with_a_deadline_is_a_promise(
    text: str, expected: list[tuple[str, datetime]]
) -> None:
    found = extract_commitments(text, TUESDAY)
    assert [(c.action, c.due) for c in found] == expected
    assert all(c.owner == "team" for c in found)


@pytest.mark.parametrize(
    "text",
    [
        "I have sent a replacement that shipped yesterday.",
        "If the parcel arrives tomorrow, let me know.",
        "I think the replacement ships tomorrow.",
        "The replacement ships from our Leeds warehouse.",
    ],
)
def test_present_tense_without_a_promise_is_not_one(text: str) -> None:
    assert extract_commitments(text, TUESDAY) == []
