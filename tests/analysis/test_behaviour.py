"""The issue's behaviour cases, with the real encoder and heads (slow: loads the models)."""

from __future__ import annotations

import pytest

from calmdesk.analysis import ANGRY_AT, UPSET_AT, analyze_conversation, analyze_text
from calmdesk.domain import (
    AbuseKind,
    Cause,
    Conversation,
    CustomerSignals,
    MentionKind,
    Role,
    Trend,
    Turn,
)

pytestmark = pytest.mark.slow

C, A = Role.CUSTOMER, Role.AGENT


def signals_of(text: str) -> CustomerSignals:
    signals = analyze_text(text).turns[0].signals
    assert isinstance(signals, CustomerSignals)
    return signals


@pytest.mark.parametrize(
    "text",
    [
        "My order is TWO WEEKS LATE!!! This is absolutely unacceptable, where is my parcel?!",
        "I am furious. The delivery was promised for Monday and it still hasn't arrived!!",
    ],
)
def test_behaviour_furious_late_order_is_upset_about_delivery(text: str) -> None:
    signals = signals_of(text)
    assert signals.upset >= UPSET_AT
    assert signals.cause is Cause.DELIVERY_DELAY


def test_behaviour_you_useless_idiots_is_abuse_with_the_insult_span() -> None:
    signals = signals_of("you useless idiots")
    assert signals.abuse >= 0.5
    assert AbuseKind.INSULT in signals.abuse_kinds
    assert [s.text for s in signals.abuse_spans] == ["you useless idiots"]


def test_behaviour_get_me_your_manager_is_a_supervisor_request() -> None:
    signals = signals_of("get me your manager")
    assert [m.kind for m in signals.requests] == [MentionKind.SUPERVISOR]


def test_behaviour_thanks_after_a_fix_is_calm_and_cools_the_trend() -> None:
    turns = (
        Turn(C, "My internet has been down for three days and nobody cares!!"),
        Turn(A, "I'm sorry. I have reset the line from our side; could you try now?"),
        Turn(C, "thanks, that solved it"),
    )
    result = analyze_conversation(Conversation("fix", turns))
    first, last = result.turns[0].signals, result.turns[2].signals
    assert isinstance(first, CustomerSignals) and isinstance(last, CustomerSignals)
    assert first.upset >= UPSET_AT
    assert last.upset < 0.3
    assert result.trend is Trend.COOLING


def test_behaviour_third_angry_turn_raises_escalation_risk_with_a_reason() -> None:
    angry = (
        "This is ridiculous, my refund STILL hasn't come through!!",
        "Are you even listening? I want my money back NOW!!!",
        "Unbelievable. Third time I'm asking and you keep ignoring me!!!",
    )
    replies = ("Let me look into it.", "I understand, I am checking.")
    two = Conversation("two", (Turn(C, angry[0]), Turn(A, replies[0]), Turn(C, angry[1])))
    three = Conversation("three", (*two.turns, Turn(A, replies[1]), Turn(C, angry[2])))
    before, after = analyze_conversation(two), analyze_conversation(three)
    angers = [t.signals.anger for t in after.turns if isinstance(t.signals, CustomerSignals)]
    assert all(a >= ANGRY_AT for a in angers)
    assert after.escalation_risk > before.escalation_risk
    assert "3 angry turns in a row" in after.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Hi, could you tell me when the store opens on Sunday?",
        "Thank you so much, you have been very helpful!",
    ],
)
def test_behaviour_calm_messages_are_not_upset(text: str) -> None:
    signals = signals_of(text)
    assert signals.upset < UPSET_AT and signals.abuse < 0.3
