"""Stored signals come back as the domain objects the live review needs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calmdesk.analysis.qa.decode import stored_customer_signals as signals_from_json
from calmdesk.domain import (
    AbuseKind,
    Cause,
    CheckStatus,
    CustomerSignals,
    Mention,
    MentionKind,
    Role,
    Span,
    Turn,
    to_jsonable,
)
from calmdesk.web.console.review import review_against_stored

ANGRY = CustomerSignals(
    upset=0.9, anger=0.8, abuse=0.7, complaint=0.9, urgency=0.6, politeness=0.1,
    emotion={"anger": 0.8, "neutral": 0.2}, cause=Cause.DELIVERY_DELAY, cause_confidence=0.7,
    abuse_kinds=[AbuseKind.INSULT], abuse_spans=[Span(10, 15, "idiot", "insult")],
    requests=[Mention(MentionKind.SUPERVISOR, Span(20, 27, "manager"))],
    threats=[Mention(MentionKind.LEGAL, Span(30, 33, "sue"))],
)  # fmt: skip


def test_signals_from_json_round_trips_the_stored_form() -> None:
    assert signals_from_json(to_jsonable(ANGRY)) == ANGRY


@pytest.mark.parametrize(
    "stored",
    [None, {}, {"upset": "high"}, {**to_jsonable(ANGRY), "anger": True}, ["upset", 1]],
)
def test_signals_from_json_refuses_unusable_data(stored) -> None:
    assert signals_from_json(stored) is None


def test_signals_from_json_drops_unknown_labels_and_broken_spans() -> None:
    stored = to_jsonable(ANGRY) | {
        "cause": "weather",
        "abuse_kinds": ["insult", "rudeness"],
        "abuse_spans": [{"start": "1", "end": 2}],
        "requests": [{"kind": "pizza", "span": {"start": 0, "end": 1}}],
    }
    signals = signals_from_json(stored)
    assert signals is not None
    assert signals.cause is Cause.NONE and signals.abuse_kinds == [AbuseKind.INSULT]
    assert signals.abuse_spans == [] and signals.requests == []


def test_review_against_stored_flags_blame_and_reads_promises() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    history = [Turn(Role.CUSTOMER, "My order is late, you idiots", now)]
    stored = [to_jsonable(ANGRY)]
    blame = review_against_stored(history, stored, "That is not our fault.", now)
    fixed = review_against_stored(
        history, stored, "I'm sorry it is late. I will send a replacement by Friday.", now
    )
    p5 = {r.check: r.status for r in blame.checks}["P5"]
    assert p5 is CheckStatus.FAIL
    assert {r.check: r.status for r in fixed.checks}["P5"] is CheckStatus.PASS
    assert [c.action for c in fixed.commitments] and fixed.commitments[0].due is not None
