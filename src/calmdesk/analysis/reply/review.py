"""Review an agent's draft against the playbook checks and return scores, spans and fixes."""

from __future__ import annotations

import dataclasses
import operator
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class _Step:
    """One enabled check under a playbook, with the playbook's phrases for it compiled."""

    spec: CheckSpec
    weight: float
    banned: re.Pattern[str] | None
    good: re.Pattern[str] | None


_PLANS: dict[int, tuple[Playbook, tuple[CheckSpec, ...], tuple[_Step, ...]]] = {}
_PLANS_LOCK = threading.Lock()


def _plan(playbook: Playbook) -> tuple[_Step, ...]:
    """The enabled checks of `playbook` in order, worked out once per playbook (and again when
    the registered checks change)."""
    specs = tuple(checks())
    entry = _PLANS.get(id(playbook))
    if (
        entry is not None
        and entry[0] is playbook
        and len(entry[1]) == len(specs)
        and all(map(operator.is_, entry[1], specs))
    ):
        return entry[2]
    steps = []
    for spec in specs:
        setting = playbook.setting(spec.name)
        if setting.enabled:
            banned, good = compile_phrases(setting.banned), compile_phrases(setting.phrases)
            steps.append(_Step(spec, setting.weight, banned, good))
    with _PLANS_LOCK:
        if len(_PLANS) >= 64:  # playbooks made on the fly (tests, previews): never grow without end
            _PLANS.clear()
        _PLANS[id(playbook)] = (playbook, specs, tuple(steps))
    return tuple(steps)


def _company_phrases(step: _Step, ctx: ReviewContext, out: Outcome) -> Outcome:
    banned = step.banned
    if banned and (
        hits := [Span(m.start(), m.end(), m.group(0), "banned") for m in banned.finditer(ctx.draft)]
    ):
        return Outcome(CheckStatus.FAIL, tuple(hits), "Remove the wording your playbook bans.")
    good = step.good
    if out.missing and good and (m := good.search(ctx.draft)):
        return Outcome(CheckStatus.PASS, (Span(m.start(), m.end(), m.group(0), "phrase"),))
    return out


def _run(step: _Step, ctx: ReviewContext) -> CheckResult:
    spec = step.spec
    if "knowledge_base" in spec.needs and not ctx.playbook.facts:
        out = Outcome(CheckStatus.NOT_NEEDED)
    else:
        out = _company_phrases(step, ctx, spec.run(ctx))
    return CheckResult(
        spec.id, spec.name, out.status, out.severity or spec.severity, out.fix, out.evidence
    )


def _score(results: list[CheckResult], steps: tuple[_Step, ...]) -> int:
    weights = {s.spec.name: s.weight for s in steps}
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
    steps = _plan(playbook)
    results = [_run(s, ctx) for s in steps]
    return Review(
        score=_score(results, steps),
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
