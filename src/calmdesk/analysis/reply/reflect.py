"""Which of the customer's own words an agent's draft says back (P2: reflecting the concern).

Shared by the P2 check (`checks/listen.py`) and the reply signal `reflection`'s rule score
(`signals.reflection_score`), outside the checks package so that the signals do not import it."""

from __future__ import annotations

import re

from calmdesk.analysis.reply.context import ReviewContext, key_terms
from calmdesk.analysis.reply.lexicon import STOPWORDS
from calmdesk.domain import Span

__all__ = ["GENERIC", "WORD", "reflecting_spans", "reflecting_terms"]

WORD = re.compile(r"[A-Za-z][A-Za-z'-]+|\d{3,}")
GENERIC = frozenset(
    {
        "sorry",
        "frustr",
        "upset",
        "annoy",
        "apolog",
        "underst",
        "experi",
        "issue",
        "problem",
        "situat",
        "inconv",
        "concern",
        "patien",
        "happen",
        # how they feel is P3's; P2 says back what went wrong
        "furiou",
        "angry",
        "livid",
        "fuming",
        "disgus",
        "outrag",
        "appall",
        "unacce",
        "ridicu",
    }
)


def reflecting_spans(draft: str, customer_text: str) -> list[Span]:
    wanted = key_terms(customer_text) - GENERIC
    spans: list[Span] = []
    for m in WORD.finditer(draft):
        word = m.group(0)
        if word.lower() in STOPWORDS or len(word) <= 2:
            continue
        if key_terms(word) & wanted:
            spans.append(Span(m.start(), m.end(), word, "reflects"))
    return spans


def _distinct(spans: list[Span]) -> int:
    return len({t for s in spans for t in key_terms(s.text)})


def reflecting_terms(ctx: ReviewContext) -> int:
    """How many distinct content words of the customer's concern the draft says back."""
    if "reflects" not in ctx.memo:
        ctx.memo["reflects"] = reflecting_spans(ctx.draft, ctx.customer.concern)
    return _distinct(ctx.memo["reflects"])
