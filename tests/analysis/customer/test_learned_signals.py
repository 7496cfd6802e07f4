"""The learned customer signals (`customer.model`) joined with the rules, on sentences of our own.

Read with the real encoders and heads (slow: loads the models). None of these sentences is in the
labelled set, and none is the issue's own example.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_customer_reading import signals_of, top_emotion

from calmdesk.analysis import UPSET_AT, analyze_text
from calmdesk.analysis.context import HeadRow, TurnContext
from calmdesk.analysis.customer import model
from calmdesk.analysis.customer.scorers import learned_signals, rule_reading
from calmdesk.domain import MentionKind

pytestmark = pytest.mark.slow


def _kinds(text: str) -> set[MentionKind]:
    s = signals_of(text)
    return {m.kind for m in (*s.requests, *s.threats)}


@pytest.mark.parametrize(
    ("plain", "waited"),
    [
        (
            "Could you check how my washing machine repair is getting on?",
            "Could you check how my washing machine repair is getting on? This is the fourth "
            "time I've asked this week and nobody has rung me back.",
        ),
        (
            "Hi, has my passport renewal form been received yet",
            "hi, has my passport renewal form been received yet. emailed twice, phoned once, "
            "still nothing from you lot",
        ),
    ],
)
def test_waiting_and_repeat_contact_raise_upset_and_urgency(plain: str, waited: str) -> None:
    calm, chased = signals_of(plain), signals_of(waited)
    assert chased.waiting >= 0.5 > calm.waiting
    assert chased.upset >= UPSET_AT and chased.upset > calm.upset + 0.2
    assert chased.urgency > calm.urgency


@pytest.mark.parametrize(
    "text",
    [
        "If the refund isn't back by Friday I'm asking my card company to reverse the payment.",
        "Ich lasse die Abbuchung von meiner Bank zurückbuchen, wenn bis morgen nichts passiert.",
    ],
)
def test_chargeback_and_dispute_are_threats(text: str) -> None:
    assert MentionKind.CHARGEBACK in _kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Every review site and forum I can find will hear how you treat pensioners.",
        "Going to post this whole chat on Facebook, Twitter and Trustpilot tonight.",
    ],
)
def test_posting_everywhere_is_a_public_threat(text: str) -> None:
    assert MentionKind.PUBLIC_REVIEW in _kinds(text)


def test_sarcasm_turns_how_praise_words_read() -> None:
    sarcastic = signals_of(
        "Oh lovely, a third 'delivery attempt' while I sat at home all day. Top service."
    )
    sincere = signals_of("Lovely service, the courier came early and was really friendly. Thanks!")
    assert sarcastic.sarcasm >= 0.5 > sincere.sarcasm
    assert sarcastic.upset >= UPSET_AT > sincere.upset
    assert top_emotion(sarcastic) not in ("satisfaction", "neutral")


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais parler à votre responsable, s'il vous plaît.",
        "Mi passi un responsabile, per favore, con lei non ne usciamo.",
        "Quiero hablar con un supervisor ahora mismo.",
    ],
)
def test_a_manager_request_in_another_language_is_found(text: str) -> None:
    assert MentionKind.SUPERVISOR in _kinds(text)


def test_calm_requests_are_not_read_as_threats_or_anger() -> None:
    s = signals_of("Please cancel the newsletter, I get enough email already. Thanks!")
    assert MentionKind.CANCEL in {m.kind for m in s.requests}
    assert not s.threats and s.anger < 0.5 and s.abuse < 0.5


def _context(text: str) -> tuple[TurnContext, dict[str, Any]]:
    from calmdesk.analysis.scoring import default_models

    models = default_models()
    scored = models.score([text])[text]
    ctx = TurnContext.build(text, scored.row(), embedding=scored.embedding)
    return ctx, rule_reading(ctx)


def test_a_mention_the_rules_miss_comes_back_with_the_turn_as_its_span() -> None:
    text = "  You will be hearing from someone with a briefcase.  "
    ctx, done = _context(text)
    probs = dict.fromkeys(model.SIGNALS, 0.0) | {"legal_threat": 0.99}
    out = learned_signals(ctx, {**done, "requests": [], "threats": []}, probs)
    (threat,) = out["threats"]
    assert threat.kind is MentionKind.LEGAL
    assert threat.span.text == text.strip() and text[threat.span.start : threat.span.end] == (
        text.strip()
    )
    low = learned_signals(ctx, {**done, "requests": [], "threats": []}, probs | {"legal_threat": 0})
    assert low["threats"] == []


def test_rule_mentions_and_abuse_spans_stay_as_hard_checks() -> None:
    ctx, done = _context("Get me your manager, you useless idiots.")
    assert done["abuse_spans"] and any(m.kind is MentionKind.SUPERVISOR for m in done["requests"])
    out = learned_signals(ctx, done, dict.fromkeys(model.SIGNALS, 0.0))
    assert out["abuse"] >= done["abuse"] > 0.5
    assert any(m.kind is MentionKind.SUPERVISOR for m in out["requests"])


def test_anger_and_upset_go_together() -> None:
    ctx, done = _context("I want to know why this happened")
    calm = dict.fromkeys(model.SIGNALS, 0.0)
    angry = learned_signals(ctx, done, calm | {"anger": 0.9, "upset": 0.1})
    assert angry["upset"] == pytest.approx(0.9)  # an angry turn is an upset one
    bothered = learned_signals(ctx, done, calm | {"anger": 0.1, "upset": 0.9})
    assert bothered["anger"] == pytest.approx(0.3)  # geometric mean with upset
    assert bothered["upset"] == pytest.approx(0.9)


def test_a_turn_without_a_vector_keeps_its_rule_scores() -> None:
    ctx = TurnContext.build("", HeadRow.neutral())
    assert model.read(ctx, rule_reading(ctx)) is None
    empty = analyze_text("   ").turns
    assert all(t.signals is None or t.signals.upset == 0.0 for t in empty)  # type: ignore[union-attr]
