"""What the rubric returns for a conversation: criteria with evidence, turn scores, the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from calmdesk.domain import Span

__all__ = ["CriterionResult", "CriterionStatus", "Evidence", "Scorecard", "TurnScore"]


class CriterionStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a criterion came out as it did: a turn (index into the conversation), maybe a span of
    that turn's text, and a note in words. `turn` is None for facts from the record."""

    note: str
    turn: int | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's verdict. `credit` (0-1) is what it adds to the score when it applies: 1 for
    a pass, 0 for a fail, the share of passing turns for a per-turn playbook check."""

    name: str
    status: CriterionStatus
    weight: float
    evidence: tuple[Evidence, ...] = ()
    credit: float = 0.0

    @property
    def applies(self) -> bool:
        return self.status is not CriterionStatus.NOT_APPLICABLE


@dataclass(frozen=True, slots=True)
class TurnScore:
    """One agent (or bot) turn: the review's 0-100 score and the checks it failed, by name."""

    index: int
    score: int
    failed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A conversation scored by the QA rubric (0-100), criteria in registry order."""

    id: str
    score: int
    criteria: tuple[CriterionResult, ...]
    agent_turns: tuple[TurnScore, ...]
    bot_turns: tuple[TurnScore, ...]
    outcome: dict[str, Any] = field(default_factory=dict)

    def criterion(self, name: str) -> CriterionResult:
        for result in self.criteria:
            if result.name == name:
                return result
        raise KeyError(name)

    def failed(self) -> list[str]:
        return [c.name for c in self.criteria if c.status is CriterionStatus.FAIL]
