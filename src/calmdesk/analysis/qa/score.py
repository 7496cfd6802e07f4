"""`score_conversation`: the QA rubric over one conversation and its analysis (pure)."""

from __future__ import annotations

from typing import Any

from calmdesk.analysis.qa.facts import ConversationFacts
from calmdesk.analysis.qa.outcome import opening_upset, promises, resolution, waits
from calmdesk.analysis.qa.registry import criteria
from calmdesk.analysis.qa.scorecard import CriterionResult, CriterionStatus, Scorecard
from calmdesk.analysis.qa.turns import by_check, check_criterion, turn_scores
from calmdesk.analysis.qa.view import ConversationView, build_view
from calmdesk.analysis.qa_settings import CONVERSATION_WEIGHTS
from calmdesk.analysis.reply import Playbook, check_names, default_playbook
from calmdesk.domain import Conversation, ConversationAnalysis, MentionKind

__all__ = ["conversation_score", "score_conversation"]


def conversation_score(results: tuple[CriterionResult, ...]) -> int:
    """The weighted credit of the criteria that apply, 0-100; 100 when none applies."""
    judged = [r for r in results if r.applies and r.weight > 0]
    total = sum(r.weight for r in judged)
    if total <= 0:
        return 100
    return round(100 * sum(r.weight * r.credit for r in judged) / total)


def _outcome(view: ConversationView, results: tuple[CriterionResult, ...]) -> dict[str, Any]:
    done, start = resolution(view), view.first_at
    opening = opening_upset(view)
    end = view.customer[-1][1].upset if view.customer else None
    made, _ = promises(view)
    found = waits(view)
    first = next((w.seconds for w in found or [] if w.first and w.reply is not None), None)
    de_esc = next(r for r in results if r.name == "de_escalation")
    return {
        "resolved": done.resolved,
        "resolution_source": done.source,
        "time_to_resolution_s": done.seconds(start),
        "reopened": view.facts.reopened,
        "upset_start": round(opening[1].upset, 4) if opening else None,
        "upset_end": round(end, 4) if end is not None else None,
        "recovered": None if not de_esc.applies else de_esc.status is CriterionStatus.PASS,
        "escalated": bool(view.facts.escalations)
        or any(m.kind is MentionKind.SUPERVISOR for _, s in view.customer for m in s.requests),
        "promises_made": len(made),
        "promises_kept_on_time": sum(
            1 for p in made if p.done_at is not None and (p.due is None or p.done_at <= p.due)
        ),
        "promises_told": sum(1 for p in made if p.customer_told),
        "first_response_s": first,
        "csat": view.facts.csat,
        "failed": [r.name for r in results if r.status is CriterionStatus.FAIL],
    }


def score_conversation(
    conversation: Conversation,
    analysis: ConversationAnalysis,
    playbook: Playbook | None = None,
    *,
    facts: ConversationFacts | None = None,
) -> Scorecard:
    """Score one conversation by the QA rubric: every reply check over the agent turns, then the
    conversation criteria, each pass/fail/not applicable with evidence; 0-100 overall.

    `analysis` must be the analysis of `conversation` (same turns, e.g. from `analyze_many`);
    `facts` are what the record knows (resolution, promises, SLA...; see `ConversationFacts`).
    Bot turns are reviewed and scored as the bot's (`bot_turns`, `bot_replies`), never as an
    agent's. Raises MalformedInput when the analysis does not match the conversation."""
    book = playbook or default_playbook()
    view = build_view(conversation, analysis, book, facts or ConversationFacts())
    found = by_check(view.agent)
    checks = tuple(check_criterion(view, name, found.get(name, [])) for name in check_names())
    others = tuple(
        spec.run(view, book.qa.weight(spec.name, CONVERSATION_WEIGHTS.get(spec.name, 1.0)))
        for spec in criteria()
    )
    results = checks + others
    return Scorecard(
        id=conversation.id,
        score=conversation_score(results),
        criteria=results,
        agent_turns=turn_scores(view.agent, book),
        bot_turns=turn_scores(view.bot, book),
        outcome=_outcome(view, results),
    )
