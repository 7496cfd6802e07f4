"""Review an agent's draft against the playbook checks and return scores, spans and fixes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from calmdesk.analysis.reply.context import ReviewContext, customer_state, draft_hits
from calmdesk.analysis.reply.lexicon import compile_phrases
from calmdesk.analysis.reply.model import score_replies
from calmdesk.analysis.reply.playbook import Playbook, default_playbook
from calmdesk.analysis.reply.registry import CheckSpec, Outcome, checks
from calmdesk.analysis.reply.signals import combine, find_tone_problems, rule_scores
from calmdesk.domain import (
    AgentSignals,
    CalmdeskError,
    CheckResult,
    CheckStatus,
    Commitment,
    EmptyInput,
    InputTooLarge,
    MalformedInput,
    Review,
    Span,
    Turn,
    TurnAnalysis,
)

__all__ = ["MAX_DRAFT_CHARS", "agent_signals", "review_draft"]

MAX_DRAFT_CHARS = 20_000


def _validate(draft: object, history: object, analyses: object) -> str:
    if not isinstance(draft, str):
        raise MalformedInput(f"The draft must be text, not {type(draft).__name__}.")
    if "\x00" in draft:
        raise MalformedInput("The draft contains binary data (NUL bytes); send plain text.")
    if not draft.strip():
        raise EmptyInput("The draft is empty; write a reply to review.")
    if len(draft) > MAX_DRAFT_CHARS:
        raise InputTooLarge(
            f"The draft has {len(draft)} characters; at most {MAX_DRAFT_CHARS} are reviewed."
        )
    for name, seq, kind in (
        ("history", history, Turn),
        ("history_analysis", analyses, TurnAnalysis),
    ):
        if (
            isinstance(seq, str | bytes)
            or not isinstance(seq, Sequence)
            or not all(isinstance(x, kind) for x in seq)
        ):
            raise MalformedInput(f"{name} must be a list of {kind.__name__} objects.")
    return draft


def _company_phrases(spec: CheckSpec, ctx: ReviewContext, out: Outcome) -> Outcome:
    setting = ctx.playbook.setting(spec.name)
    banned = compile_phrases(setting.banned)
    if banned and (
        hits := [Span(m.start(), m.end(), m.group(0), "banned") for m in banned.finditer(ctx.draft)]
    ):
        return Outcome(CheckStatus.FAIL, tuple(hits), "Remove the wording your playbook bans.")
    good = compile_phrases(setting.phrases)
    if out.missing and good and (m := good.search(ctx.draft)):
        return Outcome(CheckStatus.PASS, (Span(m.start(), m.end(), m.group(0), "phrase"),))
    return out


def _run(spec: CheckSpec, ctx: ReviewContext) -> CheckResult:
    if "knowledge_base" in spec.needs and not ctx.playbook.facts:
        out = Outcome(CheckStatus.NOT_NEEDED)
    else:
        out = _company_phrases(spec, ctx, spec.run(ctx))
    return CheckResult(
        spec.id, spec.name, out.status, out.severity or spec.severity, out.fix, out.evidence
    )


def _score(results: list[CheckResult], playbook: Playbook) -> int:
    weights = {r.name: playbook.setting(r.name).weight for r in results}
    judged = [r for r in results if r.status is not CheckStatus.NOT_NEEDED]
    total = sum(weights[r.name] for r in judged)
    if total <= 0:
        return 100
    good = sum(weights[r.name] for r in judged if r.status is CheckStatus.PASS)
    return round(100 * good / total)


def _commitments(draft: str, when: datetime, playbook: Playbook) -> list[Commitment]:
    from calmdesk.analysis.promises.commitments import extract_commitments

    try:
        return extract_commitments(draft, when, playbook.timezone, playbook.business_days)
    except CalmdeskError:
        return []  # promises are extra information; the review itself still stands


def review_draft(
    draft: str,
    history: Sequence[Turn],
    history_analysis: Sequence[TurnAnalysis],
    *,
    politeness: float | None = None,
    now: datetime | None = None,
    config: Playbook | None = None,
    vectors: Mapping[str, np.ndarray] | None = None,
) -> Review:
    """Judge `draft` against every enabled playbook check, given the turns before it.

    `history_analysis[i]` holds the signals of `history[i]` (missing or None signals fall back to
    cues from the customer's words). The draft's signals are the learned reply heads read with
    the customer turns it answers, combined with the lexicon (`signals.combine`); `vectors` maps
    texts to sentence vectors the caller already has (the pipeline's), so none is encoded twice.
    `politeness`, when given, is reported as the draft's politeness instead of the learned one.
    Raises an InputError subclass for unusable input."""
    text = _validate(draft, history, history_analysis)
    playbook = config or default_playbook()
    hits = draft_hits(text)
    # one moment for the whole review: the promises listed and the checks judging them (P10's
    # "already past due") read the clock once, and the checks reuse the promises found
    when = now if now is not None and now.tzinfo is not None else datetime.now(UTC)
    commitments = _commitments(text, when, playbook)
    memo: dict[str, object] = {"commitments": (when, commitments)}
    state = customer_state(history, history_analysis)
    ctx = ReviewContext(text, state, playbook, hits, when, memo)
    learned = score_replies([text], [ctx.customer.answered], hits=[hits], vectors=vectors)[0]
    scores = combine(learned, rule_scores(ctx))
    ctx = dataclasses.replace(ctx, scores=scores)
    results = [_run(s, ctx) for s in checks() if playbook.setting(s.name).enabled]
    return Review(
        score=_score(results, playbook),
        checks=results,
        empathy=scores["empathy"],
        apology=scores["apology"],
        politeness=scores["politeness"] if politeness is None else politeness,
        asks_question=scores["asks_question"],
        offers_solution=scores["offers_solution"],
        tone_problems=find_tone_problems(ctx),
        commitments=commitments,
        reflection=scores["reflection"],
        blame=scores["blame"],
    )


def agent_signals(
    draft: str,
    history: Sequence[Turn],
    history_analysis: Sequence[TurnAnalysis],
    *,
    politeness: float | None = None,
    now: datetime | None = None,
    config: Playbook | None = None,
    vectors: Mapping[str, np.ndarray] | None = None,
) -> AgentSignals:
    """Signals of an agent turn, with its review judged against the turns before it."""
    review = review_draft(
        draft,
        history,
        history_analysis,
        politeness=politeness,
        now=now,
        config=config,
        vectors=vectors,
    )
    return AgentSignals(
        politeness=review.politeness,
        empathy=review.empathy,
        apology=review.apology,
        asks_question=review.asks_question,
        offers_solution=review.offers_solution,
        review=review,
        reflection=review.reflection,
        blame=review.blame,
    )
