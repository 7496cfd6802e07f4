"""Checks about tone: empathy (P3), calm wording (P4), no blame (P5), apology (P7), limits (P13)."""

from __future__ import annotations

from calmdesk.analysis.reply.check_spec import Outcome, register
from calmdesk.analysis.reply.checks.base import fail, not_needed, passed
from calmdesk.analysis.reply.context import ReviewContext
from calmdesk.analysis.reply.signals import find_tone_problems
from calmdesk.analysis.reply.wording import join_words, tone_words
from calmdesk.domain import Severity

__all__ = ["apologises", "calm_professional", "empathises", "no_blame", "sets_boundary"]

_EMPATHY = ("empathy_strong", "empathy_medium", "apology_specific", "empathy_weak")
_RETALIATION = frozenset({"insult", "profanity", "sarcasm", "calm_down", "mirroring", "shouting"})


@register(
    "P3",
    "empathises",
    needs=("draft", "customer_signals"),
    severity=Severity.MEDIUM,
    summary="acknowledges the customer's feeling when they are upset, at a fitting strength",
)
def empathises(ctx: ReviewContext) -> Outcome:
    upset = ctx.customer.upset
    overdone = ctx.found("empathy_overdone")
    if overdone and upset < 0.5:
        return fail(
            "Match the customer's mood: drop the dramatic wording for a mild issue.",
            overdone,
            severity=Severity.LOW,
        )
    if upset < 0.4 and not ctx.customer.abusive:
        return not_needed()
    evidence = [s for name in _EMPATHY for s in ctx.found(name)]
    needed = 0.7 if upset >= 0.75 else 0.4
    if ctx.score("empathy") >= needed:
        return passed(evidence, overdone)
    if evidence:
        return fail(
            "They are very upset: name the feeling and say it is understandable.",
            evidence,
            missing=True,
        )
    return fail(
        "Acknowledge how they feel before the facts, e.g. 'I can see why this is frustrating.'",
        missing=True,
    )


@register(
    "P4",
    "calm_professional",
    severity=Severity.HIGH,
    summary="neutral, respectful wording: no capitals, no '!!!', no sarcasm, no 'calm down', "
    "no mirrored insults",
)
def calm_professional(ctx: ReviewContext) -> Outcome:
    problems = find_tone_problems(ctx)
    if not problems:
        return passed()
    kinds = join_words(tone_words(p.kind) for p in problems)
    return fail(f"Rewrite in a neutral tone, without the {kinds}.", [p.span for p in problems])


@register(
    "P5",
    "no_blame",
    severity=Severity.HIGH,
    summary="no excuses and no blame on the customer or others",
)
def no_blame(ctx: ReviewContext) -> Outcome:
    blame = ctx.found("blame")
    if blame:  # a blaming phrase always fails (hard check); the learned score finds the rest
        return fail("Drop the blame or excuse; say what you will do instead.", blame)
    if ctx.score("blame") >= 0.5:
        return fail(
            "This reads as putting the fault on the customer; say what you will do instead."
        )
    return passed()


@register(
    "P7",
    "apologises",
    needs=("draft", "customer_signals"),
    severity=Severity.MEDIUM,
    summary="apologises sincerely when the customer was let down, without admitting liability "
    "where the playbook forbids it",
)
def apologises(ctx: ReviewContext) -> Outcome:
    fault = ctx.found("fault_admission")
    if fault and not ctx.playbook.admit_fault:
        return fail(
            "Apologise for their experience without stating fault or liability.",
            fault,
            severity=Severity.HIGH,
        )
    if not ctx.customer.let_down:
        return not_needed()
    bad = ctx.found("non_apology")
    sincere = [
        s
        for s in ctx.found("apology")
        if not any(b.start <= s.end and b.end >= s.start for b in bad)
    ]
    if bad and not sincere:  # "sorry you feel that way" always fails (hard check)
        return fail("Apologise for what happened, not for how they feel about it.", bad)
    if sincere or ctx.score("apology") >= 0.5:
        return passed(sincere)
    return fail("Apologise for what went wrong, e.g. 'I'm sorry your order is late.'", missing=True)


@register(
    "P13",
    "sets_boundary",
    needs=("draft", "customer_signals"),
    severity=Severity.HIGH,
    summary="meets abuse with a polite, firm limit and never retaliates",
)
def sets_boundary(ctx: ReviewContext) -> Outcome:
    if not ctx.customer.abusive:
        return not_needed()
    retaliation = [p.span for p in find_tone_problems(ctx) if p.kind in _RETALIATION]
    if retaliation:
        return fail(
            "Do not answer abuse in kind; state calmly that insults are not acceptable.",
            retaliation,
        )
    if ctx.found("boundary"):
        return passed(ctx.found("boundary"))
    return fail(
        "Say politely and firmly that you will help but insults are not acceptable.", missing=True
    )
