"""The review of an agent's draft against the playbook (P2-P14) and the promises it makes (A2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from calmdesk.domain.span import Span

__all__ = ["CheckResult", "CheckStatus", "Commitment", "Review", "Severity", "ToneProblem"]


class CheckStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_NEEDED = "not_needed"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str  # playbook id, e.g. "P5"
    name: str  # registry name, e.g. "no_blame"
    status: CheckStatus
    severity: Severity
    fix: str = ""
    evidence: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class ToneProblem:
    kind: str  # shouting, sarcasm, calm_down, mirroring, ...
    span: Span


@dataclass(frozen=True, slots=True)
class Commitment:
    """A promise in a reply: what will be done, by when (aware datetime), and by whom."""

    action: str
    due: datetime | None
    owner: str
    span: Span


@dataclass(slots=True)
class Review:
    score: int  # 0-100
    checks: list[CheckResult]
    empathy: float
    apology: float
    politeness: float
    asks_question: float
    offers_solution: float
    tone_problems: list[ToneProblem] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    reflection: float = 0.0  # says back the customer's concern (P2)
    blame: float = 0.0  # blames or implies fault of the customer (P5)

    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status is CheckStatus.FAIL]
