"""The `calmdesk qa` line shapes: stored analyses read back, record facts, scorecard JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.analysis.qa.qa_chats import FIXED, LATE, THANKS

from calmdesk.analysis import analysis_record, analyze_many
from calmdesk.analysis.qa import (
    facts_from_json,
    parse_qa_line,
    qa_item,
    score_conversation,
    scorecard_record,
)
from calmdesk.analysis.wire import conversation_from_json
from calmdesk.domain import InputError, MalformedInput, UnsupportedValue

LINE = {
    "id": "w1",
    "turns": [
        {"role": "customer", "text": LATE, "at": "2026-11-02T09:00:00Z"},
        {"role": "agent", "text": FIXED, "at": "2026-11-02T09:04:00Z"},
        {
            "role": "bot",
            "text": "Anything else? Not our fault though.",
            "at": "2026-11-02T09:05:00Z",
        },
        {"role": "customer", "text": THANKS, "at": "2026-11-02T09:06:00Z"},
    ],
}


def stored_line(table_models: Any) -> dict[str, Any]:
    """LINE with the signals `calmdesk analyze` gives each turn merged in (as stored)."""
    conversation = conversation_from_json(LINE)
    (analysis,) = analyze_many([conversation], models=table_models.models())
    record = json.loads(json.dumps(analysis_record(analysis)))
    merged = dict(LINE, trend=record["trend"], escalation_risk=record["escalation_risk"])
    merged["turns"] = [
        dict(t, signals=r["signals"]) for t, r in zip(LINE["turns"], record["turns"], strict=True)
    ]
    return merged


def test_qa_stored_signals_score_the_same_as_a_fresh_analysis(table_models: Any) -> None:
    conversation = conversation_from_json(LINE)
    (fresh,) = analyze_many([conversation], models=table_models.models())
    stored = qa_item(stored_line(table_models))
    assert stored.analysis is not None
    a = scorecard_record(score_conversation(conversation, fresh))
    b = scorecard_record(score_conversation(stored.conversation, stored.analysis))
    assert a == b


def test_qa_analyze_output_alone_is_scored_without_text(table_models: Any) -> None:
    line = stored_line(table_models)
    line["turns"] = [{"role": t["role"], "signals": t["signals"]} for t in line["turns"]]
    item = qa_item(line)
    card = score_conversation(item.conversation, item.analysis)  # type: ignore[arg-type]
    assert [t.index for t in card.agent_turns] == [1]
    assert card.bot_turns == ()  # no text: the bot's turn cannot be reviewed
    assert card.criterion("bot_replies").status.value == "not_applicable"


def test_qa_a_line_without_signals_needs_analysis() -> None:
    item = qa_item(LINE)
    assert item.analysis is None and len(item.conversation.turns) == 4


def test_qa_scorecard_record_has_exactly_the_documented_keys(table_models: Any) -> None:
    item = qa_item(stored_line(table_models))
    record = scorecard_record(score_conversation(item.conversation, item.analysis))  # type: ignore[arg-type]
    assert list(record) == ["id", "score", "criteria", "agent_turns", "outcome"]
    assert all(set(c) == {"status", "evidence"} for c in record["criteria"].values())
    assert set(record["agent_turns"][0]) == {"index", "score", "failed"}
    assert record["outcome"]["bot_turns"][0]["index"] == 2
    evidence = record["criteria"]["de_escalation"]["evidence"]
    assert all(set(e) == {"turn", "span", "text", "note"} for e in evidence)
    json.dumps(record)  # JSON-ready


@pytest.mark.parametrize(
    ("line", "error", "fragment"),
    [
        (b"\xff\xfe", MalformedInput, "UTF-8"),
        (b"[1, 2]", MalformedInput, "JSON object"),
        (b'{"id": "x", "turns": []}', MalformedInput, "nothing to score"),
        (b'{"id": "x", "turns": [{"role": "robot", "text": "hi"}]}', UnsupportedValue, "role"),
        (b'{"id": "x", "turns": [{"role": "agent"}]}', MalformedInput, "needs text"),
        (b'{"id": "x", "turns": [{"role": "agent", "text": 5}]}', MalformedInput, "text"),
        (b'{"id": "x", "turns": [{"role": "agent", "text": "a", "at": "soon"}]}', MalformedInput,
         "ISO-8601"),
        (b'{"id": "x", "turns": [{"role": "agent", "signals": {"politeness": "high"}}]}',
         MalformedInput, "signals.politeness"),
        (b'{"id": "x", "turns": [{"role": "customer", "signals": {}}]}', MalformedInput,
         "signals.upset is missing"),
        (b'{"id": "x", "turns": [{"role": "agent", "text": "a"}], "record": {"status": "won"}}',
         MalformedInput, "record.status"),
        (b'{"id": "x", "turns": [{"role": "agent", "text": "a"}], "record": {"csat": 9}}',
         MalformedInput, "record.csat"),
    ],
)  # fmt: skip
def test_qa_bad_lines_name_the_fault(line: bytes, error: type[InputError], fragment: str) -> None:
    with pytest.raises(error) as err:
        parse_qa_line(line)
    assert fragment in err.value.message


def test_qa_record_facts_are_read() -> None:
    facts = facts_from_json(
        {
            "status": "resolved",
            "resolved_at": "2026-11-02T10:00:00",
            "promises": [{"action": "refund", "due": "2026-11-03T17:00:00Z", "turn": 1}],
            "sla": {"first_response_s": 600},
            "follow_up": {"due_at": "2026-11-05T09:00:00Z"},
            "previous_contacts": 2,
        }
    )
    assert facts.ended and facts.resolved_at is not None and facts.resolved_at.tzinfo is not None
    assert facts.promises is not None and facts.promises[0].turn == 1
    assert facts.first_response_target_s == 600 and facts.follow_up_known
    assert facts.previous_contacts == 2
    assert facts_from_json(None).promises is None
