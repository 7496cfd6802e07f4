"""A hand-set reader for the role-play tests: each reply's checks are chosen by the test."""

from __future__ import annotations

from collections.abc import Callable

from calmdesk.domain import (
    AgentSignals,
    CheckResult,
    CheckStatus,
    Conversation,
    ConversationAnalysis,
    Review,
    Severity,
    Trend,
    TurnAnalysis,
)

_NAMES = {
    "P2": "reflects_concern",
    "P3": "empathises",
    "P4": "calm_professional",
    "P5": "no_blame",
    "P7": "apologises",
    "P9": "offers_solution",
    "P10": "gives_timeline",
    "P11": "no_overpromise",
    "P12": "checks_need",
    "P13": "sets_boundary",
    "P14": "escalates_clearly",
}


def verdicts(passed: str = "", failed: str = "", *, asks: bool = False) -> AgentSignals:
    """Agent signals whose review passes and fails the named checks ("P2 P3")."""
    checks = [CheckResult(c, _NAMES[c], CheckStatus.PASS, Severity.LOW) for c in passed.split()]
    checks += [
        CheckResult(c, _NAMES[c], CheckStatus.FAIL, Severity.HIGH, f"fix {c}")
        for c in failed.split()
    ]
    solution = 1.0 if "P9" in passed.split() else 0.0
    review = Review(70, checks, 0.0, 0.0, 0.5, 1.0 if asks else 0.0, solution)
    return AgentSignals(0.5, 0.0, 0.0, 1.0 if asks else 0.0, solution, review=review)


def scripted_reader(
    by_reply: dict[str, AgentSignals],
) -> Callable[[Conversation], ConversationAnalysis]:
    """A reader that answers each trainee reply text with the verdicts set for it."""

    def read(conversation: Conversation) -> ConversationAnalysis:
        last = conversation.turns[-1]
        turns = [TurnAnalysis(t.role, None) for t in conversation.turns[:-1]]
        turns.append(TurnAnalysis(last.role, by_reply[last.text]))
        return ConversationAnalysis(conversation.id, turns, Trend.STEADY, 0.0, [])

    return read
