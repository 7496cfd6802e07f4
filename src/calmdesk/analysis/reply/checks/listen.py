"""Checks about listening: reflecting the concern (P2), clarifying (P6), checking the fit (P12)."""

from __future__ import annotations

import re

from calmdesk.analysis.reply.check_spec import Outcome, register
from calmdesk.analysis.reply.checks.base import fail, not_needed, passed
from calmdesk.analysis.reply.context import ReviewContext, key_terms
from calmdesk.analysis.reply.reflect import GENERIC, WORD, reflecting_terms
from calmdesk.domain import Severity, Span

__all__ = [
    "checks_need",
    "clarifies",
    "is_clarifying",
    "reflects_concern",
]

_OFFERED = ("solution_done", "solution_future", "remedy", "offer", "self_serve", "pending_done")


@register(
    "P2",
    "reflects_concern",
    needs=("draft", "history"),
    severity=Severity.MEDIUM,
    summary="names what the customer said went wrong, in words they would recognise",
)
def reflects_concern(ctx: ReviewContext) -> Outcome:
    c = ctx.customer
    if not (c.let_down or c.upset >= 0.4) or c.unclear or c.satisfied:
        return not_needed()
    reflecting_terms(ctx)
    spans = ctx.memo["reflects"]
    if ctx.score("reflection") >= 0.5:
        return passed(spans)
    said = {w.lower() for s in spans for w in WORD.findall(s.text)}
    terms = _example_words(c.concern, set(c.abuse_words) | said)
    if spans and not terms:  # their words are there; the sentence does not yet say it back
        fix = "Say back in one sentence what went wrong for them, before what you will do."
        return fail(fix, spans, missing=True)
    hint = f" (for example: {', '.join(terms)})" if terms else ""
    return fail(f"Say back what went wrong in the customer's own terms{hint}.", spans, missing=True)


def _example_words(text: str, skip: set[str]) -> list[str]:
    words: dict[str, str] = {}
    for m in WORD.finditer(text):
        word = m.group(0).lower()
        stems = key_terms(word) - GENERIC
        if stems and word not in skip and len(word) > 3:
            words.setdefault(next(iter(stems)), word)
    return list(words.values())[:3]


def _questions(draft: str) -> list[Span]:
    return [
        Span(m.start(), m.end(), m.group(0), "question")
        for m in re.finditer(r"[^.!?\n]*\?", draft)
        if m.group(0).strip() != "?"
    ]


def is_clarifying(ctx: ReviewContext) -> bool:
    """The draft asks for details and offers nothing yet: it is waiting on the customer."""
    offered = any(ctx.found(n) for n in _OFFERED)
    return bool(ctx.found("clarify")) and not offered and ctx.customer.let_down


@register(
    "P6",
    "clarifies",
    needs=("draft", "history"),
    severity=Severity.MEDIUM,
    summary="asks a clarifying question when the problem or the wanted outcome is unclear",
)
def clarifies(ctx: ReviewContext) -> Outcome:
    if not ctx.customer.unclear and not is_clarifying(ctx):
        return not_needed()
    check_ins = {(s.start, s.end) for s in ctx.found("check_in")}
    asks = [
        q
        for q in _questions(ctx.draft)
        if not any(a <= q.end and b >= q.start for a, b in check_ins)
    ]
    if ctx.found("clarify") or asks:
        return passed(ctx.found("clarify"), asks)
    return fail(
        "Ask one question that pins the problem down: what happened, the order or account, "
        "and what outcome they want.",
        missing=True,
    )


@register(
    "P12",
    "checks_need",
    needs=("draft", "history"),
    severity=Severity.LOW,
    summary="checks that the offered solution meets the customer's need",
)
def checks_need(ctx: ReviewContext) -> Outcome:
    offered = [s for n in _OFFERED for s in ctx.found(n)]
    c = ctx.customer
    if not offered or not (c.let_down or c.upset >= 0.4) or c.unclear:
        return not_needed()
    if ctx.found("check_in"):
        return passed(ctx.found("check_in"))
    return fail(
        "Close by asking whether the solution works for them, e.g. 'Does that work for you?'",
        missing=True,
    )
