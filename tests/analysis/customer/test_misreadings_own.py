"""Issue 8's misreadings, tested on sentences of our own (the issue's own sentences are in
test_customer_reading.py, test_commitments.py and reply/test_reply_model.py).

Read with the real encoders and heads (slow: loads the models). Each group checks the behaviour
the issue names, on wording the issue does not use.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_customer_reading import signals_of, top_emotion

from calmdesk.analysis import UPSET_AT, analyze_conversation, analyze_text
from calmdesk.analysis.promises.commitments import extract_commitments
from calmdesk.analysis.reply import review_draft
from calmdesk.domain import (
    Cause,
    Conversation,
    CustomerSignals,
    MentionKind,
    Role,
    Trend,
    Turn,
    TurnAnalysis,
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "text",
    [
        "Wow, thanks a lot for losing my parcel. Stellar work.",
        "Amazing. Another month, another double charge. You never disappoint.",
        "Perfect, just perfect. The replacement is broken too.",
    ],
)
def test_sarcastic_praise_is_read_as_upset(text: str) -> None:
    signals = signals_of(text)
    assert signals.sarcasm >= 0.5 and signals.upset >= UPSET_AT
    assert top_emotion(signals) not in ("satisfaction", "neutral")


@pytest.mark.parametrize(
    "text",
    [
        "Hello?? Anybody? I've been on hold for two hours",
        "Still no answer after four days. Is this thing even on?",
    ],
)
def test_nobody_answering_is_high_upset_and_waiting(text: str) -> None:
    signals = signals_of(text)
    assert signals.upset >= UPSET_AT and signals.waiting >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "Put me through to your boss. NOW.",
        "Supervisor. Immediately.",
        "I demand to speak to someone in charge right now!",
    ],
)
def test_a_curt_demand_for_a_manager_has_an_emotion_and_the_request(text: str) -> None:
    signals = signals_of(text)
    assert top_emotion(signals) != "neutral"
    assert MentionKind.SUPERVISOR in [m.kind for m in signals.requests]


@pytest.mark.parametrize(
    "text",
    ["Third time writing. Why does nobody get back to me?", "I already asked you this twice."],
)
def test_having_to_ask_again_is_not_neutral(text: str) -> None:
    signals = signals_of(text)
    assert top_emotion(signals) != "neutral" and signals.upset >= UPSET_AT


@pytest.mark.parametrize(
    "text",
    [
        "How do I change the delivery date to next week?",
        "I moved house, can you update my delivery address?",
        "Can I pick the parcel up from the depot instead of home delivery?",
    ],
)
def test_arranging_a_delivery_is_not_a_delay(text: str) -> None:
    assert signals_of(text).cause is not Cause.DELIVERY_DELAY


def test_a_late_parcel_with_an_address_in_it_is_still_a_delay() -> None:
    text = "My parcel is a week late, and I already gave you my new delivery address!"
    assert signals_of(text).cause is Cause.DELIVERY_DELAY


@pytest.mark.parametrize(
    "text",
    [
        "The bolts weren't in the box",
        "Half the pieces are missing from the set",
        "The manual and the charger were not included",
    ],
)
def test_missing_parts_are_a_defect_not_billing(text: str) -> None:
    cause = signals_of(text).cause
    assert cause is not Cause.BILLING
    assert cause is Cause.DEFECT


@pytest.mark.parametrize(
    "text",
    [
        "Slightly irritating but honestly no rush",
        "A little frustrating, but it's fine, whenever you can",
        "Not ideal, but no big deal really",
    ],
)
def test_mild_annoyance_is_not_high_upset(text: str) -> None:
    assert signals_of(text).upset < UPSET_AT


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to ask my bank to reverse this payment",
        "If this isn't fixed I'll contest the transaction with my credit card company",
        "I'll raise a dispute with PayPal",
    ],
)
def test_taking_the_payment_back_through_the_bank_is_a_chargeback_threat(text: str) -> None:
    assert MentionKind.CHARGEBACK in [m.kind for m in signals_of(text).threats]


def test_a_question_about_a_disputed_date_is_no_threat() -> None:
    assert signals_of("Can you contest the delivery date with the courier?").threats == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ich möchte bitte einen Vorgesetzten sprechen.", "de"),
        ("Geben Sie mir Ihren Manager!", "de"),
        ("Passez-moi votre supérieur, s'il vous plaît.", "fr"),
        ("Je demande à parler à votre chef.", "fr"),
    ],
)
def test_german_and_french_manager_requests_are_found(text: str, language: str) -> None:
    signals = signals_of(text)
    assert signals.language == language and signals.language_supported
    assert MentionKind.SUPERVISOR in [m.kind for m in signals.requests]


def test_a_french_refusal_of_a_manager_is_no_request() -> None:
    signals = signals_of("Je ne veux pas parler à votre chef, je veux juste mon colis.")
    assert MentionKind.SUPERVISOR not in [m.kind for m in signals.requests]


TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The engineer visits on Thursday, and I'll call you on Wednesday to confirm.",
            [("engineer will visit", 3), ("call you to confirm", 2)],
        ),
        (
            "We've dispatched the new part; it arrives Friday and you will receive the tracking "
            "link this evening.",
            [("it will arrive", 4), ("you will receive the tracking link", 1)],
        ),
        (
            "Your refund goes out today and you'll get a confirmation email tomorrow morning.",
            [("refund will go out", 1), ("you will get a confirmation email", 2)],
        ),
    ],
)
def test_two_promises_in_one_sentence_are_two(text: str, expected: list[tuple[str, int]]) -> None:
    found = extract_commitments(text, TUESDAY)
    assert [(c.action, c.due.day if c.due else None) for c in found] == expected


WEDDING = Turn(
    Role.CUSTOMER, "My dress was due on Monday and it still isn't here. The wedding is tomorrow."
)
LUGGAGE = Turn(Role.CUSTOMER, "You lost my suitcase and I fly to Spain in two days.")


@pytest.mark.parametrize(
    ("reply", "turn"),
    [
        ("What a worrying thing to face the day before your big day.", WEDDING),
        ("Losing your luggage right before a holiday must be awful.", LUGGAGE),
        ("I can only imagine how anxious you must be feeling right now.", WEDDING),
    ],
)
def test_empathy_without_the_usual_words_scores_empathic(reply: str, turn: Turn) -> None:
    review = review_draft(reply, [turn], [TurnAnalysis(Role.CUSTOMER, None)])
    assert review.empathy >= 0.5


@pytest.mark.parametrize(
    ("reply", "turn"),
    [
        ("Per our terms, orders may take up to 10 working days.", WEDDING),
        ("Baggage claims are handled according to company policy within 21 days.", LUGGAGE),
    ],
)
def test_a_policy_statement_is_not_empathic(reply: str, turn: Turn) -> None:
    review = review_draft(reply, [turn], [TurnAnalysis(Role.CUSTOMER, None)])
    assert review.empathy < 0.5


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        ("Hej, jag väntar fortfarande på mitt paket, det är helt oacceptabelt", "sv", "Swedish"),
        ("Merhaba, siparişim hâlâ gelmedi, bu kabul edilemez", "tr", "Turkish"),
        ("Potrzebuję pomocy z moim zamówieniem, czekam od tygodnia", "pl", "Polish"),
    ],
)
def test_an_unsupported_language_is_flagged(text: str, code: str, name: str) -> None:
    result = analyze_text(text)
    signals = result.turns[0].signals
    assert isinstance(signals, CustomerSignals)
    assert (signals.language, signals.language_supported) == (code, False)
    assert f"analysis limited: {name}" in result.reasons


def test_a_turn_in_an_unsupported_language_is_never_read_as_calming_down() -> None:
    turns = (
        Turn(Role.CUSTOMER, "My order is TWO WEEKS LATE!!! This is unacceptable."),
        Turn(Role.AGENT, "I'm sorry, I am checking with the courier now."),
        Turn(Role.CUSTOMER, "Chcę rozmawiać z kierownikiem, to jest skandal!"),
    )
    result = analyze_conversation(Conversation("switch-pl", turns))
    assert result.trend is not Trend.COOLING
    assert "the customer is calming down" not in result.reasons
