"""Small helpers every check module uses to build its outcome."""

from __future__ import annotations

from collections.abc import Iterable

from calmdesk.analysis.reply.registry import Outcome
from calmdesk.domain import CheckStatus, Severity, Span

__all__ = ["fail", "merge", "not_needed", "passed"]


def passed(*evidence: Iterable[Span]) -> Outcome:
    return Outcome(CheckStatus.PASS, merge(*evidence))


def fail(
    fix: str, *evidence: Iterable[Span], missing: bool = False, severity: Severity | None = None
) -> Outcome:
    return Outcome(CheckStatus.FAIL, merge(*evidence), fix, missing, severity)


def not_needed() -> Outcome:
    return Outcome(CheckStatus.NOT_NEEDED)


def merge(*groups: Iterable[Span]) -> tuple[Span, ...]:
    """Spans of several groups in text order, dropping exact duplicates."""
    seen: dict[tuple[int, int], Span] = {}
    for group in groups:
        for span in group:
            seen.setdefault((span.start, span.end), span)
    return tuple(sorted(seen.values(), key=lambda s: (s.start, s.end)))
