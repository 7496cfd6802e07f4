from __future__ import annotations

import pytest

from calmdesk.analysis import outlook
from calmdesk.domain import (
    AbuseKind,
    Cause,
    CustomerSignals,
    Mention,
    MentionKind,
    Span,
    Trend,
)


def turn(upset: float, anger: float | None = None, **rest: object) -> CustomerSignals:
    anger = upset if anger is None else anger
    return CustomerSignals(
        upset=upset,
        anger=anger,
        abuse=0.0,
        complaint=upset,
        urgency=0.0,
        politeness=0.5,
        emotion={"neutral": 1.0},
        **rest,  # type: ignore[arg-type]
    )


def ask(kind: MentionKind) -> Mention:
    return Mention(kind, Span(0, 4, "text", kind.value))


def test_outlook_of_no_customer_turns_is_steady_and_calm() -> None:
    view = outlook([])
    assert (view.trend, view.escalation_risk, view.reasons) == (Trend.STEADY, 0.0, [])


@pytest.mark.parametrize(
    ("upsets", "trend"),
    [
        ([0.2, 0.5, 0.8], Trend.HEATING),
        ([0.8, 0.7, 0.1], Trend.COOLING),
        ([0.5, 0.5, 0.55], Trend.STEADY),
        ([0.9], Trend.HEATING),
        ([0.1], Trend.STEADY),
    ],
)
def test_outlook_trend_follows_upset(upsets: list[float], trend: Trend) -> None:
    assert outlook([turn(u) for u in upsets]).trend is trend


def test_outlook_third_angry_turn_raises_risk_with_a_reason() -> None:
    two = outlook([turn(0.7), turn(0.7)])
    three = outlook([turn(0.7), turn(0.7), turn(0.75)])
    assert three.escalation_risk > two.escalation_risk
    assert "3 angry turns in a row" in three.reasons


def test_outlook_names_rising_anger_with_its_length() -> None:
    view = outlook([turn(0.3, 0.2), turn(0.5, 0.4), turn(0.7, 0.6), turn(0.9, 0.8)])
    assert "anger rising over 4 turns" in view.reasons


def test_outlook_counts_manager_requests_across_turns() -> None:
    once = outlook([turn(0.5, requests=[ask(MentionKind.SUPERVISOR)])])
    twice = outlook([turn(0.5, requests=[ask(MentionKind.SUPERVISOR)])] * 2)
    assert "asked for a manager" in once.reasons
    assert "asked for a manager twice" in twice.reasons
    assert twice.escalation_risk > once.escalation_risk


@pytest.mark.parametrize(
    ("field", "kind", "reason"),
    [
        ("threats", MentionKind.LEGAL, "threatened legal action"),
        ("threats", MentionKind.PUBLIC_REVIEW, "threatened a public review or social media post"),
        ("requests", MentionKind.REPEAT_CONTACT, "says they have had to contact you before"),
    ],
)
def test_outlook_explains_threats_and_repeat_contact(
    field: str, kind: MentionKind, reason: str
) -> None:
    calm = outlook([turn(0.4)])
    view = outlook([turn(0.4, **{field: [ask(kind)]})])
    assert reason in view.reasons
    assert view.escalation_risk > calm.escalation_risk


def test_outlook_reports_abuse_kinds() -> None:
    abusive = turn(0.8)
    abusive.abuse, abusive.abuse_kinds = 0.9, [AbuseKind.INSULT]
    assert "abusive language (insults)" in outlook([abusive]).reasons


def test_outlook_cooling_after_a_fix_lowers_risk() -> None:
    hot = outlook([turn(0.8), turn(0.85)])
    cooled = outlook([turn(0.8), turn(0.85), turn(0.05, 0.0)])
    assert cooled.trend is Trend.COOLING
    assert cooled.escalation_risk < hot.escalation_risk
    assert cooled.reasons[0] == "the customer is calming down"


def test_outlook_notices_the_same_problem_raised_again_and_again() -> None:
    late = [turn(0.6, cause=Cause.DELIVERY_DELAY) for _ in range(3)]
    view = outlook(late)
    assert "raised the same delivery delay problem 3 times" in view.reasons
    assert not any("same" in r for r in outlook(late[:2]).reasons)


@pytest.mark.parametrize(
    "last",
    [
        turn(0.3, threats=[ask(MentionKind.LEGAL)]),
        turn(0.3, threats=[ask(MentionKind.PUBLIC_REVIEW)]),
        turn(0.3, requests=[ask(MentionKind.SUPERVISOR)]),
    ],
)
def test_outlook_quiet_threat_after_anger_is_not_cooling(last: CustomerSignals) -> None:
    calm = outlook([turn(0.9), turn(0.3)])
    pressed = outlook([turn(0.9), last])
    assert calm.trend is Trend.COOLING
    assert pressed.trend is Trend.STEADY
    assert "the customer is calming down" not in pressed.reasons
    assert pressed.escalation_risk > calm.escalation_risk + 0.2
