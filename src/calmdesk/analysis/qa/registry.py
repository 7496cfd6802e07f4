"""QA criteria registered by name (STYLE habit 3); a test compares them with `criteria.txt`.

Two kinds: one criterion per playbook reply check (P2-P14), judged over the agent turns, and the
conversation criteria (de-escalation, resolution, promises, ...), each a function of the whole
conversation registered with `@criterion` (defined in `spec.py`, used in `criteria.py`)."""

from __future__ import annotations

import calmdesk.analysis.qa.criteria  # noqa: F401  (registers the conversation criteria)
from calmdesk.analysis.qa.spec import CriterionFn, CriterionSpec, criterion, registered

__all__ = ["CriterionFn", "CriterionSpec", "criteria", "criterion", "criterion_names"]


def criteria() -> list[CriterionSpec]:
    """The conversation criteria, in registration order."""
    return registered()


def criterion_names() -> list[str]:
    """Every criterion of a scorecard, in order: the reply checks first, then the conversation's."""
    from calmdesk.analysis.reply.registry import check_names

    return [*check_names(), *(spec.name for spec in criteria())]
