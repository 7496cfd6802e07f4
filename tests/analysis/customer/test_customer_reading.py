"""The issue's customer misreadings, read with the real encoders and heads (slow: loads models).

Each case holds the issue's sentence and sentences of our own that should read the same way.
"""

from __future__ import annotations

import pytest

from calmdesk.analysis import UPSET_AT, analyze_conversation, analyze_text
from calmdesk.domain import Cause, Conversation, CustomerSignals, MentionKind, Role, Turn

pytestmark = pytest.mark.slow


def signals_of(text: str) -> CustomerSignals:
    signals = analyze_text(text).turns[0].signals
    assert isinstance(signals, CustomerSignals)
    return signals


def top_emotion(signals: CustomerSignals) -> str:
    return max(signals.emotion, key=lambda e: signals.emotion[e])


@pytest.mark.parametrize(
    "text",
    [
        "Fantastic service as always. Third week waiting...",
        "Oh brilliant, the parcel is 'delivered' again and there's nothing at my door. Love it.",
        "Great job guys, charged twice AGAIN. Really impressive.",
    ],
)
def test_sarcastic_praise_is_not_satisfaction_and_raises_upset(text: str) -> None:
    signals = signals_of(text)
    assert signals.sarcasm >= 0.5
    assert signals.upset >= UPSET_AT
    assert top_emotion(signals) != "satisfaction"


@pytest.mark.parametrize(
    "text", ["Fantastic service, the engineer fixed it in ten minutes. Thank you!", "great, thanks"]
)
def test_sincere_praise_stays_calm_and_not_sarcastic(text: str) -> None:
    signals = signals_of(text)
    assert signals.sarcasm < 0.5
    assert signals.upset < UPSET_AT


@pytest.mark.parametrize(
    "text",
    [
        "Hello? Is anyone there? I've waited all day",
        "is anybody even reading these? still waiting",
        "You said someone would ring me on Monday. Nobody called back.",
    ],
)
def test_waiting_and_nobody_answering_raise_upset_and_urgency(text: str) -> None:
    signals = signals_of(text)
    assert signals.waiting >= 0.5
    assert signals.upset >= UPSET_AT
    assert signals.urgency >= 0.4


@pytest.mark.parametrize("text", ["Get me a manager NOW", "I want a supervisor. Now."])
def test_a_demand_for_a_manager_is_anger_or_frustration_not_neutral(text: str) -> None:
    signals = signals_of(text)
    assert top_emotion(signals) in ("anger", "frustration")
    assert MentionKind.SUPERVISOR in [m.kind for m in signals.requests]


@pytest.mark.parametrize(
    "text",
    [
        "I want to change my delivery address",
        "Can I update the shipping address on order 4411?",
        "please send it to my office address instead",
    ],
)
def test_changing_an_address_is_not_a_delivery_delay(text: str) -> None:
    assert signals_of(text).cause is not Cause.DELIVERY_DELAY


@pytest.mark.parametrize(
    "text",
    [
        "the screws were missing",
        "two of the cables were missing from the kit",
        "The box arrived but the instruction sheet and the bolts are missing",
    ],
)
def test_missing_parts_are_a_defect(text: str) -> None:
    assert signals_of(text).cause is Cause.DEFECT


@pytest.mark.parametrize(
    "text",
    [
        "Kind of annoying, no big deal",
        "A bit annoying that the colour is slightly off, but no worries",
        "minor thing, the app logged me out again. not urgent",
    ],
)
def test_mild_annoyance_is_not_read_as_high_upset(text: str) -> None:
    signals = signals_of(text)
    assert signals.upset < UPSET_AT
    assert signals.urgency < 0.5


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'll dispute the charge with my bank", MentionKind.CHARGEBACK),
        ("Fine. I'm filing a chargeback.", MentionKind.CHARGEBACK),
        ("I'm calling my bank to reverse the payment", MentionKind.CHARGEBACK),
        ("I'll be posting this everywhere", MentionKind.PUBLIC_REVIEW),
        ("I will make sure everyone knows, reviews everywhere", MentionKind.PUBLIC_REVIEW),
    ],
)
def test_chargeback_and_posting_everywhere_are_threats(text: str, kind: MentionKind) -> None:
    assert kind in [m.kind for m in signals_of(text).threats]


def test_a_chargeback_threat_raises_risk_with_a_reason() -> None:
    result = analyze_text("Refund me today or I'll dispute the charge with my bank.")
    assert "threatened to dispute the charge with their bank" in result.reasons
    assert result.escalation_risk >= 0.5


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ich will sofort mit Ihrem Vorgesetzten sprechen!", "de"),
        ("Verbinden Sie mich mit Ihrem Chef, sonst kündige ich.", "de"),
        ("Je veux parler à un responsable immédiatement.", "fr"),
        ("Quiero hablar con el gerente ahora mismo.", "es"),
        ("Quero falar com o gerente agora.", "pt"),
        ("Voglio parlare con il responsabile, subito.", "it"),
    ],
)
def test_a_manager_request_in_another_language_is_found(text: str, language: str) -> None:
    signals = signals_of(text)
    assert signals.language == language and signals.language_supported
    assert MentionKind.SUPERVISOR in [m.kind for m in signals.requests]


@pytest.mark.parametrize(
    "text",
    [
        "Das ist eine absolute Frechheit, ihr Betrüger! Ich warte seit drei Wochen!",
        "C'est inadmissible, bande d'escrocs, j'attends depuis un mois !",
        "¡Sois unos ladrones, es una vergüenza, llevo semanas esperando!",
    ],
)
def test_an_angry_abusive_turn_in_another_language_reads_upset_and_abusive(text: str) -> None:
    signals = signals_of(text)
    assert signals.upset >= UPSET_AT
    assert signals.abuse >= 0.5


def test_a_calm_question_in_another_language_is_not_upset() -> None:
    signals = signals_of("Guten Tag, können Sie mir sagen, wann Sie morgen öffnen? Danke!")
    assert signals.language == "de"
    assert signals.upset < UPSET_AT and signals.abuse < 0.5


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Chcę rozmawiać z kierownikiem, to jest skandal!", "Polish"),
        ("Ik wil nu een manager spreken, dit is belachelijk.", "Dutch"),
    ],
)
def test_an_unsupported_language_is_flagged_not_read_as_neutral(text: str, name: str) -> None:
    result = analyze_text(text)
    signals = result.turns[0].signals
    assert isinstance(signals, CustomerSignals)
    assert signals.language_supported is False
    assert f"analysis limited: {name}" in result.reasons


def test_a_conversation_switching_language_reads_each_turn_in_its_own() -> None:
    turns = (
        Turn(Role.CUSTOMER, "My parcel has not arrived."),
        Turn(Role.AGENT, "I'm sorry to hear that. Let me check the tracking for you."),
        Turn(Role.CUSTOMER, "Ich will jetzt mit Ihrem Vorgesetzten sprechen!"),
    )
    result = analyze_conversation(Conversation("switch", turns))
    first, last = result.turns[0].signals, result.turns[2].signals
    assert isinstance(first, CustomerSignals) and isinstance(last, CustomerSignals)
    assert (first.language, last.language) == ("en", "de")
    assert "asked for a manager" in result.reasons
