from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from calmdesk.analysis import conversation_from_json, parse_line
from calmdesk.analysis.wire import MAX_TURNS, peek_id
from calmdesk.domain import InputError, Role


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, tzinfo=UTC)),
        ("2026-03-01T10:00:00", datetime(2026, 3, 1, 10, tzinfo=UTC)),
        (
            "2026-03-01T12:00:00+02:00",
            datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=2))),
        ),
        (None, None),
    ],
)
def test_wire_reads_times_as_aware(at: str | None, expected: datetime | None) -> None:
    convo = conversation_from_json({"id": "a", "turns": [{"role": "bot", "text": "x", "at": at}]})
    assert convo.turns[0].at == expected
    assert convo.turns[0].role is Role.BOT


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "", "turns": []}, "id"),
        ({"id": True, "turns": []}, "id"),
        ({"id": "a"}, "turns"),
        ({"id": "a", "turns": [5]}, "turns[0]"),
        ({"id": "a", "turns": [{"role": "customer"}]}, "turns[0].text"),
        ({"id": "a", "turns": [{"role": None, "text": "x"}]}, "turns[0].role"),
        ({"id": "a", "turns": [{"role": "agent", "text": "x", "at": 12}]}, "turns[0].at"),
        ({"id": "a", "turns": [{"role": "agent", "text": "x"}] * (MAX_TURNS + 1)}, "at most"),
    ],
)
def test_wire_names_the_wrong_field(data: object, field: str) -> None:
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        conversation_from_json(data)


@pytest.mark.parametrize(
    ("line", "cid"),
    [(b'{"id": 7, "turns": 1}', "7"), (b"\xff\xfe", None), ("[]", None), ('{"id": "z"', None)],
)
def test_wire_peek_id_recovers_what_it_can(line: bytes | str, cid: str | None) -> None:
    assert peek_id(line) == cid
    with pytest.raises(InputError):
        parse_line(line)


def test_wire_record_serialises_like_to_jsonable() -> None:
    from calmdesk.analysis import analysis_record
    from calmdesk.domain import (
        AgentSignals,
        CheckResult,
        CheckStatus,
        ConversationAnalysis,
        CustomerSignals,
        Mention,
        MentionKind,
        Review,
        Severity,
        Span,
        Trend,
        TurnAnalysis,
        to_jsonable,
    )

    span = Span(0, 3, "abc", "x")
    customer = CustomerSignals(
        0.123456,
        0.5,
        0.0,
        1.0,
        0.25,
        0.3,
        {"anger": 0.333333},
        requests=[Mention(MentionKind.REFUND, span)],
    )
    check = CheckResult("P5", "no_blame", CheckStatus.FAIL, Severity.HIGH, "fix", (span,))
    review = Review(70, [check], 0.1, 0.2, 0.3, 0.4, 0.5)
    agent = AgentSignals(0.7, review=review)
    turns = [TurnAnalysis(Role.CUSTOMER, customer), TurnAnalysis(Role.AGENT, agent)]
    analysis = ConversationAnalysis("c", turns, Trend.HEATING, 0.987654, ["r"])
    record = analysis_record(analysis)
    expected = to_jsonable(analysis)
    assert record["turns"] == expected["turns"]
    assert record["escalation_risk"] == expected["escalation_risk"] == 0.9877


@pytest.mark.slow
def test_wire_record_writes_to_jsonable_of_real_analyses_byte_for_byte() -> None:
    """The record's faster conversion gives the JSON text `to_jsonable` gives, keys in the
    documented order, for analyses of the real models (spans, mentions, reviews, emotions)."""
    import json

    from calmdesk.analysis import analysis_record, analyze_many
    from calmdesk.domain import Conversation, Turn, to_jsonable

    said = [
        (Role.CUSTOMER, "This is the third time I write, you idiots. I want a refund or I sue."),
        (Role.AGENT, "I'm so sorry. I have refunded the order; you'll get an email tomorrow."),
        (Role.CUSTOMER, "Fantastic service as always. Get me a manager NOW!"),
        (Role.AGENT, "You should have read the policy. Anything else?"),
        (Role.CUSTOMER, "Ich will sofort mit Ihrem Vorgesetzten sprechen. 😡"),
    ]
    conversations = [
        Conversation(f"c{i}", tuple(Turn(r, t) for r, t in said[: i + 1])) for i in range(5)
    ]
    for analysis in analyze_many(conversations, processes=1):
        plain = to_jsonable(analysis)
        want = {key: plain[key] for key in ("id", "escalation_risk", "trend", "reasons")}
        want["turns"] = [{"role": t["role"], "signals": t["signals"]} for t in plain["turns"]]
        got = json.dumps(analysis_record(analysis), ensure_ascii=False)
        assert got == json.dumps(want, ensure_ascii=False)
