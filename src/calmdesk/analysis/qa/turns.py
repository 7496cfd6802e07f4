"""The per-turn part of the rubric: each playbook reply check (P2-P14) judged over the agent turns,
and every agent and bot turn's own score. Bot turns are scored as the bot's (`bot_replies`),
never counted in an agent check.

A closing turn (the customer's newest turn before it thanks or confirms the fix) is judged on tone
only: a "you're welcome, anything else?" needs no apology, solution or timeline, so failures of
the other checks in such a turn count as not needed."""

from __future__ import annotations

from collections.abc import Sequence

from calmdesk.analysis.qa.scorecard import CriterionResult, CriterionStatus, Evidence, TurnScore
from calmdesk.analysis.qa.view import ConversationView, Reply
from calmdesk.analysis.reply import Playbook
from calmdesk.domain import CheckResult, CheckStatus

__all__ = ["CLOSING_CHECKS", "MAX_EVIDENCE", "by_check", "check_criterion", "judged", "turn_scores"]

MAX_EVIDENCE = 12
"""At most this many evidence items per criterion (a 2,000-turn chat stays readable)."""

CLOSING_CHECKS = frozenset({"calm_professional", "no_blame", "no_overpromise", "policy_facts"})
"""The checks a closing turn is still held to."""


def judged(reply: Reply) -> list[CheckResult]:
    """The turn's check results as QA counts them (a closing turn: tone checks only)."""
    if reply.review is None:
        return []
    if not reply.closing:
        return list(reply.review.checks)
    return [
        c if c.name in CLOSING_CHECKS or c.status is not CheckStatus.FAIL
        else CheckResult(c.check, c.name, CheckStatus.NOT_NEEDED, c.severity)
        for c in reply.review.checks
    ]  # fmt: skip


def _evidence(reply: Reply, result: CheckResult) -> Evidence:
    span = result.evidence[0] if result.evidence else None
    if result.status is CheckStatus.PASS:
        note = f"turn {reply.index}: {result.check} passed"
    else:
        note = f"turn {reply.index}: {result.check} failed" + (
            f": {result.fix}" if result.fix else ""
        )
    return Evidence(note, reply.index, span)


def by_check(replies: Sequence[Reply]) -> dict[str, list[tuple[Reply, CheckResult]]]:
    """Every applicable check result of `replies` (as QA counts them), by check name."""
    found: dict[str, list[tuple[Reply, CheckResult]]] = {}
    for reply in replies:
        for c in judged(reply):
            if c.status is not CheckStatus.NOT_NEEDED:
                found.setdefault(c.name, []).append((reply, c))
    return found


def check_criterion(
    view: ConversationView, name: str, found: Sequence[tuple[Reply, CheckResult]]
) -> CriterionResult:
    """One reply check over every agent turn (`found`: its applicable results, from `by_check`):
    credit is the share of applicable turns passing."""
    weight = view.qa.weight(name, view.playbook.setting(name).weight)
    if not view.playbook.setting(name).enabled:
        return CriterionResult(name, CriterionStatus.NOT_APPLICABLE, weight,
                               (Evidence("the check is disabled in the playbook"),))  # fmt: skip
    if not found:
        note = "no agent turn called for it" if view.agent else "no agent turns"
        return CriterionResult(name, CriterionStatus.NOT_APPLICABLE, weight, (Evidence(note),))
    fails = [(r, c) for r, c in found if c.status is CheckStatus.FAIL]
    shown = fails or found
    evidence = tuple(_evidence(r, c) for r, c in shown[:MAX_EVIDENCE])
    status = CriterionStatus.FAIL if fails else CriterionStatus.PASS
    return CriterionResult(name, status, weight, evidence, 1 - len(fails) / len(found))


def _score(results: list[CheckResult], playbook: Playbook) -> int:
    """The review's own formula: weighted share of passing checks among those that apply."""
    applied = [c for c in results if c.status is not CheckStatus.NOT_NEEDED]
    total = sum(playbook.setting(c.name).weight for c in applied)
    if total <= 0:
        return 100
    good = sum(playbook.setting(c.name).weight for c in applied if c.status is CheckStatus.PASS)
    return round(100 * good / total)


def turn_scores(replies: Sequence[Reply], playbook: Playbook) -> tuple[TurnScore, ...]:
    """Each reviewed turn's score and failed checks as QA counts them; unreviewable turns are
    left out."""
    out = []
    for reply in replies:
        if reply.review is None:
            continue
        results = judged(reply)
        failed = tuple(c.name for c in results if c.status is CheckStatus.FAIL)
        score = reply.review.score if not reply.closing else _score(results, playbook)
        out.append(TurnScore(reply.index, score, failed))
    return tuple(out)
