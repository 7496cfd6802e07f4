from __future__ import annotations

import pytest

from calmdesk.analysis import find_mentions
from calmdesk.domain import MentionKind

K = MentionKind


def test_find_mentions_reads_get_me_your_manager_as_a_supervisor_request() -> None:
    text = "get me your manager"
    found = find_mentions(text)
    assert [m.kind for m in found.requests] == [K.SUPERVISOR]
    span = found.requests[0].span
    assert text[span.start : span.end] == "get me your manager"
    assert found.threats == []


@pytest.mark.parametrize(
    ("text", "kind", "phrase"),
    [
        ("I want to speak to a supervisor", K.SUPERVISOR, "speak to a supervisor"),
        ("let me talk to someone in charge", K.SUPERVISOR, "someone in charge"),
        ("I want a full refund", K.REFUND, "full refund"),
        ("just give me my money back", K.REFUND, "my money back"),
        ("please cancel my subscription", K.CANCEL, "cancel my subscription"),
        ("This is the third time I am writing", K.REPEAT_CONTACT, "third time"),
        ("I have already called twice", K.REPEAT_CONTACT, "already called"),
        ("still no reply from anyone", K.REPEAT_CONTACT, "still no reply"),
    ],
)
def test_find_mentions_finds_requests(text: str, kind: MentionKind, phrase: str) -> None:
    found = find_mentions(text)
    assert any(m.kind is kind and phrase in m.span.text for m in found.requests)


@pytest.mark.parametrize(
    ("text", "kind", "phrase"),
    [
        ("I will be contacting my lawyer", K.LEGAL, "lawyer"),
        ("see you in small claims", K.LEGAL, "small claims"),
        ("expect a one-star review", K.PUBLIC_REVIEW, "one-star review"),
        ("I'm posting this on Twitter", K.PUBLIC_REVIEW, "Twitter"),
        ("fix it or I will cancel my contract", K.CANCEL, "cancel my contract"),
        ("I'm taking my business elsewhere", K.CANCEL, "taking my business elsewhere"),
    ],
)
def test_find_mentions_finds_threats(text: str, kind: MentionKind, phrase: str) -> None:
    found = find_mentions(text)
    assert any(m.kind is kind and phrase in m.span.text for m in found.threats)


@pytest.mark.parametrize(
    "text",
    [
        "I don't want a refund, just the right size",
        "my manager asked me to order this",
        "you cancelled my order without asking",
        "Thanks, all good now",
    ],
)
def test_find_mentions_skips_negated_and_unrelated_phrases(text: str) -> None:
    found = find_mentions(text)
    assert found.requests == [] and found.threats == []
