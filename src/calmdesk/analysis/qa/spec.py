"""What a conversation criterion is, and the decorator that registers one (STYLE habit 3).

`criteria.py` defines the criteria with `@criterion`; `registry.py` imports them and lists them.
Kept apart from both so that neither imports the other back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calmdesk.analysis.qa_settings import CONVERSATION_WEIGHTS

if TYPE_CHECKING:
    from calmdesk.analysis.qa.scorecard import CriterionResult
    from calmdesk.analysis.qa.view import ConversationView

__all__ = ["CriterionFn", "CriterionSpec", "criterion", "registered"]

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


def registered() -> list[CriterionSpec]:
    """The criteria registered so far, in registration order."""
    return list(_REGISTRY.values())
