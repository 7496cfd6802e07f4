"""QA criteria registered by name (STYLE habit 3); a test compares them with `criteria.txt`.

Two kinds: one criterion per playbook reply check (P2-P14), judged over the agent turns, and the
conversation criteria (de-escalation, resolution, promises, ...), each a function of the whole
conversation registered with `@criterion`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calmdesk.analysis.qa_settings import CONVERSATION_WEIGHTS

if TYPE_CHECKING:
    from calmdesk.analysis.qa.scorecard import CriterionResult
    from calmdesk.analysis.qa.view import ConversationView

__all__ = ["CriterionFn", "CriterionSpec", "criteria", "criterion", "criterion_names"]

CriterionFn = Callable[["ConversationView", float], "CriterionResult"]


@dataclass(frozen=True, slots=True)
class CriterionSpec:
    """A conversation criterion: its name, the playbook practice it measures, a one-line summary."""

    name: str
    practice: str
    summary: str
    run: CriterionFn


_REGISTRY: dict[str, CriterionSpec] = {}


def criterion(name: str, *, practice: str, summary: str) -> Callable[[CriterionFn], CriterionFn]:
    """Decorator adding a conversation criterion to the registry under `name`."""

    def add(fn: CriterionFn) -> CriterionFn:
        if name in _REGISTRY:
            raise ValueError(f"criterion {name} is registered twice")
        if name not in CONVERSATION_WEIGHTS:  # the playbook validates `qa.weights` by that table
            raise ValueError(f"criterion {name} has no default weight in CONVERSATION_WEIGHTS")
        _REGISTRY[name] = CriterionSpec(name, practice, summary, fn)
        return fn

    return add


def criteria() -> list[CriterionSpec]:
    """The conversation criteria, in registration order."""
    import calmdesk.analysis.qa.criteria  # noqa: F401  (registers on import)

    return list(_REGISTRY.values())


def criterion_names() -> list[str]:
    """Every criterion of a scorecard, in order: the reply checks first, then the conversation's."""
    from calmdesk.analysis.reply.registry import check_names

    return [*check_names(), *(spec.name for spec in criteria())]
