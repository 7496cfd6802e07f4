"""What a playbook check is, the names of the checks, and the decorator that registers one
(STYLE habit 3).

The check functions (`checks/`) register with `@register`; `registry.py` imports them and lists
them; the playbook validates its `checks:` section against `CHECK_IDS`, which the registry makes
sure matches what is registered. Kept apart from all three so that none imports another back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calmdesk.analysis.reply.check_ids import CHECK_IDS
from calmdesk.domain import CheckStatus, Severity, Span

if TYPE_CHECKING:
    from calmdesk.analysis.reply.context import ReviewContext

__all__ = [
    "CHECK_IDS",
    "NEEDS",
    "CheckFn",
    "CheckSpec",
    "Outcome",
    "register",
    "registered",
]

NEEDS = frozenset({"draft", "customer_signals", "history", "knowledge_base", "authority"})
"""What a check may declare it needs; `knowledge_base` checks are not needed without facts."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check found. `missing` marks a failure for lack of something (a company phrase
    from the playbook can then supply it)."""

    status: CheckStatus
    evidence: tuple[Span, ...] = ()
    fix: str = ""
    missing: bool = False
    severity: Severity | None = None


CheckFn = Callable[["ReviewContext"], Outcome]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    name: str
    summary: str
    needs: frozenset[str]
    severity: Severity
    run: CheckFn


_REGISTRY: dict[str, CheckSpec] = {}


def register(
    check_id: str,
    name: str,
    *,
    summary: str,
    needs: tuple[str, ...] = ("draft",),
    severity: Severity = Severity.MEDIUM,
) -> Callable[[CheckFn], CheckFn]:
    """Decorator adding a check function to the registry under `name`."""
    unknown = set(needs) - NEEDS
    if unknown:
        raise ValueError(f"check {name} declares unknown needs {sorted(unknown)}")
    if CHECK_IDS.get(name) != check_id:
        raise ValueError(f"check {name} ({check_id}) is not listed in CHECK_IDS under that id")

    def add(fn: CheckFn) -> CheckFn:
        if name in _REGISTRY:
            raise ValueError(f"check {name} is registered twice")
        _REGISTRY[name] = CheckSpec(check_id, name, summary, frozenset(needs), severity, fn)
        return fn

    return add


def registered() -> list[CheckSpec]:
    """The checks registered so far, in registration order."""
    return list(_REGISTRY.values())
