"""A suggested reply never claims an action nobody took (issue 11 polish).

"I have handed your case to a supervisor" only when the caller says the case was in fact handed
over; otherwise it, and every other claim of a step nobody took, is said as an offer.
"""

from __future__ import annotations

import pytest
from test_suggest import DIFFICULT, NOW, conversation, customer

from calmdesk.analysis.suggest import suggest_reply
from calmdesk.analysis.suggest.claims import HANDED_OVER, as_offers, claims
from calmdesk.domain import Cause, Mention, MentionKind, Span


def _wants_manager():
    return conversation(
        "manager",
        customer(
            "This is the third time my refund has gone missing. Get me a manager now!",
            upset=0.9,
            anger=0.8,
            complaint=0.9,
            cause=Cause.BILLING,
            cause_confidence=0.8,
            requests=[Mention(MentionKind.SUPERVISOR, Span(55, 68, "Get me a manager"))],
        ),
        risk=0.9,
    )


def test_an_escalation_nobody_made_is_offered_not_claimed() -> None:
    conv, analysis = _wants_manager()
    text = suggest_reply(conv, analysis, now=NOW).text
    assert "I have passed your case" not in text and "I have handed your case" not in text
    assert "I can pass your case to" in text or "I can hand your case to" in text
    assert claims(text) == []


def test_an_escalation_that_happened_is_stated() -> None:
    conv, analysis = _wants_manager()
    text = suggest_reply(conv, analysis, now=NOW, handed_over=True).text
    assert "I have passed your case to" in text or "I have handed your case to" in text
    assert set(claims(text)) == {HANDED_OVER}


@pytest.mark.parametrize("name", sorted(DIFFICULT))
def test_no_suggestion_claims_a_step_nobody_took(name: str) -> None:
    conv, analysis = DIFFICULT[name]
    assert claims(suggest_reply(conv, analysis, now=NOW).text) == []


class _Model:
    def __init__(self, answer: str) -> None:
        self.answer = answer

    def complete(self, messages: list[dict[str, str]]) -> str:
        assert messages
        return self.answer


def test_a_model_answer_that_claims_a_refund_is_turned_into_an_offer() -> None:
    conv, analysis = DIFFICULT["late_delivery"]
    answer = (
        "I'm so sorry your order #4411 has still not arrived. I've refunded the order and "
        "I have escalated this to our delivery team. Does that work for you?"
    )
    result = suggest_reply(conv, analysis, now=NOW, backend=_Model(answer))
    assert "I've refunded" not in result.text and "I have escalated" not in result.text
    assert claims(result.text) == []


@pytest.mark.parametrize(
    ("text", "done", "expected"),
    [
        (
            "I have asked our billing team to check the charge.",
            (),
            "I can ask our billing team to check the charge.",
        ),
        ("We've already sent a replacement.", (), "We can send a replacement."),
        (
            "I have handed your case to Priya, who will call you today.",
            (HANDED_OVER,),
            "I have handed your case to Priya, who will call you today.",
        ),
        ("I have understood the problem.", (), "I have understood the problem."),
    ],
)
def test_as_offers(text: str, done: tuple[str, ...], expected: str) -> None:
    assert as_offers(text, done) == expected


def test_claims_names_each_kind_of_step() -> None:
    text = "I have passed your case on. I've sent the label and we have refunded you."
    assert claims(text) == [HANDED_OVER, "sent", "refunded"]
    assert claims("I will send the label today.") == []
