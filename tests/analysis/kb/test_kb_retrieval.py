"""Hybrid retrieval over the demo articles with the real encoder (slow: loads the model)."""

from __future__ import annotations

import numpy as np
import pytest

from calmdesk.analysis.kb import KbIndex, build_index, parse_article

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("how long until I get my money back?", "refund-timing"),
        ("where is my parcel", "order-tracking"),
        ("I forgot my login password", "password-reset"),
        ("can I pay with PayPal?", "payment-methods"),
        ("how do I clean a velvet cushion", "product-care"),
    ],
)
def test_kb_search_finds_the_right_article_first(
    demo_index: KbIndex, question: str, article: str
) -> None:
    hits = demo_index.search(question, k=3)
    assert hits[0].article.id == article
    assert hits[0].score > hits[-1].score


def test_kb_search_scores_an_unrelated_question_low(demo_index: KbIndex) -> None:
    related = demo_index.search("how long does a refund take", k=1)[0].score
    unrelated = demo_index.search("who won the football world cup in 1990", k=1)[0].score
    assert unrelated < 0.5 < related


def test_kb_search_keeps_team_articles_to_their_team(demo_index: KbIndex) -> None:
    ids = [h.article.id for h in demo_index.search("supervisor call back", k=5, team="sales")]
    assert "supervisor-callback" not in ids
    ids = [h.article.id for h in demo_index.search("supervisor call back", k=5, team="support")]
    assert ids[0] == "supervisor-callback"


def test_kb_search_of_empty_index_or_question_finds_nothing() -> None:
    empty = build_index([], embed=lambda texts: np.zeros((len(texts), 4), np.float32))
    assert empty.search("anything") == []
    one = parse_article("a", "---\ntitle: A\n---\nSome text.")
    index = build_index([one], embed=lambda t: np.ones((len(t), 4), np.float32) / 2)
    assert index.search("   ") == []
    assert index.search("???")[0].lexical == 0.0  # no words BM25 can count: embeddings only
