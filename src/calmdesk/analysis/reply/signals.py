"""The draft's own signals (empathy, apology, politeness, question, solution) and tone problems."""

from __future__ import annotations

import re

from calmdesk.analysis.reply.context import ReviewContext
from calmdesk.analysis.reply.lexicon import ACRONYMS
from calmdesk.domain import Span, ToneProblem

__all__ = [
    "apology_score",
    "empathy_strength",
    "find_tone_problems",
    "question_score",
    "solution_score",
]

_WORDS = re.compile(r"[A-Za-z][A-Za-z'*]+")
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
_BANGS = re.compile(r"!{2,}|\?!+|!\?+")


def _shouting(draft: str) -> list[Span]:
    words = [m for m in _CAPS.finditer(draft) if m.group(0) not in ACRONYMS]
    if len(words) < 2 and not any(len(m.group(0)) >= 6 for m in words):
        return []
    return [Span(m.start(), m.end(), m.group(0), "shouting") for m in words]


def _mirroring(draft: str, abuse_words: tuple[str, ...]) -> list[Span]:
    """Words of the draft that repeat the customer's insults (same word or same stem)."""
    stems = {w.lower()[:5] for w in abuse_words if len(w) >= 3}
    if not stems:
        return []
    return [
        Span(m.start(), m.end(), m.group(0), "mirroring")
        for m in _WORDS.finditer(draft)
        if m.group(0).lower()[:5] in stems and len(m.group(0)) >= 3
    ]


def find_tone_problems(ctx: ReviewContext) -> list[ToneProblem]:
    """Shouting, runs of !!!, sarcasm, 'calm down', insults, profanity and mirrored abuse."""
    if "tone" not in ctx.memo:
        ctx.memo["tone"] = _tone_problems(ctx)
    return list(ctx.memo["tone"])


def _tone_problems(ctx: ReviewContext) -> list[ToneProblem]:
    spans = _shouting(ctx.draft)
    spans += [
        Span(m.start(), m.end(), m.group(0), "exclamations") for m in _BANGS.finditer(ctx.draft)
    ]
    for kind in ("sarcasm", "calm_down", "insult", "profanity"):
        spans += [Span(s.start, s.end, s.text, kind) for s in ctx.found(kind)]
    limits = [(b.start - 40, b.end + 40) for b in ctx.found("boundary")]
    spans += [  # naming the insult while setting a limit is not mirroring it
        m
        for m in _mirroring(ctx.draft, ctx.customer.abuse_words)
        if not any(a <= m.start <= b for a, b in limits)
    ]
    return [ToneProblem(kind=s.label, span=s) for s in sorted(spans, key=lambda s: s.start)]


def empathy_strength(ctx: ReviewContext) -> float:
    """1.0 strong acknowledgement of the feeling, 0.7 medium, 0.5 an apology naming the
    situation, 0.4 weak ("I understand"), 0 none."""
    if ctx.found("empathy_strong") or ctx.found("empathy_overdone"):
        return 1.0
    if ctx.found("empathy_medium"):
        return 0.7
    if ctx.found("apology_specific"):
        return 0.5
    return 0.4 if ctx.found("empathy_weak") else 0.0


def _sincere(ctx: ReviewContext) -> list[Span]:
    bad = ctx.found("non_apology")
    return [
        s
        for s in ctx.found("apology")
        if not any(b.start <= s.end and b.end >= s.start for b in bad)
    ]


def apology_score(ctx: ReviewContext) -> float:
    if _sincere(ctx):
        return 1.0
    return 0.3 if ctx.found("non_apology") else 0.0


def question_score(ctx: ReviewContext) -> float:
    if "?" in ctx.draft:
        return 1.0
    return 0.6 if ctx.found("clarify") or ctx.found("check_in") else 0.0


def solution_score(ctx: ReviewContext) -> float:
    concrete = ("solution_done", "solution_future", "self_serve", "remedy", "offer")
    if any(ctx.found(name) for name in concrete):
        return 1.0
    return 0.4 if ctx.found("vague_solution") else 0.0
