"""The rule-based politeness estimate ranks courteous wording above rude wording."""

from __future__ import annotations

import pytest

from calmdesk.analysis.reply import lexical_politeness


@pytest.mark.parametrize(
    ("polite", "rude"),
    [
        (
            "Thanks so much for your patience - could you send me the order number, please?",
            "Send me the order number.",
        ),
        (
            "Hi! I think the refund may take a few days; I hope that helps.",
            "Why didn't you read the refund policy? It's obviously in there.",
        ),
        (
            "Sorry for the confusion, I'm happy to help with the invoice.",
            "WHAT is your problem?? Stop asking about the invoice!!",
        ),
        (
            "Great question. Would it be possible to share a screenshot?",
            "You need to share a screenshot, this is ridiculous.",
        ),
    ],
)
def test_lexical_politeness_ranks_polite_above_rude(polite: str, rude: str) -> None:
    assert lexical_politeness(polite) > 0.5 > lexical_politeness(rude)


@pytest.mark.parametrize("text", ["", "a" * 5000, "!!!" * 100, "<b>hi</b>"])
def test_lexical_politeness_stays_between_zero_and_one(text: str) -> None:
    assert 0.0 <= lexical_politeness(text) <= 1.0
