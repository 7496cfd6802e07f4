"""Small helpers every check module uses to build its outcome."""

from __future__ import annotations

from collections.abc import Iterable

from calmdesk.analysis.reply.check_spec import Outcome
from calmdesk.analysis.reply.wording import merge_spans
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
    """Spans of several groups in text order, overlapping ones merged so each word shows once."""
    return merge_spans(*groups)
