from __future__ import annotations

import pytest

from calmdesk.analysis import find_abuse
from calmdesk.domain import AbuseKind


def test_find_abuse_spans_the_insult_in_you_useless_idiots() -> None:
    text = "Honestly, you useless idiots lost my parcel again."
    found = find_abuse(text)
    assert found.kinds == [AbuseKind.INSULT]
    assert found.score >= 0.8
    (span,) = found.spans
    assert text[span.start : span.end] == span.text == "you useless idiots"


@pytest.mark.parametrize(
    ("text", "kind", "phrase"),
    [
        ("this is fucking ridiculous", AbuseKind.PROFANITY, "fucking"),
        ("what a load of sh!t", AbuseKind.PROFANITY, "sh!t"),
        ("You people are such clowns", AbuseKind.INSULT, "You people are such clowns"),
        ("you are completely incompetent", AbuseKind.INSULT, "you are completely incompetent"),
        ("I know where you live", AbuseKind.THREAT, "I know where you live"),
        ("I'm going to find you", AbuseKind.THREAT, "I'm going to find you"),
        ("oh just go to hell", AbuseKind.HARASSMENT, "go to hell"),
        ("shut up and listen", AbuseKind.HARASSMENT, "shut up"),
    ],
)
def test_find_abuse_names_kind_and_span(text: str, kind: AbuseKind, phrase: str) -> None:
    found = find_abuse(text)
    assert kind in found.kinds
    assert any(s.text == phrase and s.label == kind for s in found.spans)


@pytest.mark.parametrize(
    "text",
    [
        "My order has not arrived, can you check?",
        "I feel like an idiot for ordering twice",
        "Please assess the class of service on my account",
        "The shipment was classified as lost",
        "",
    ],
)
def test_find_abuse_leaves_civil_text_alone(text: str) -> None:
    found = find_abuse(text)
    assert found.score == 0.0
    assert found.spans == []


def test_find_abuse_insult_outweighs_mild_swearing() -> None:
    assert find_abuse("you morons").score > find_abuse("damn it").score > 0.0
