"""Playbook checks registered by name, each declaring what it needs (STYLE habit 3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from calmdesk.analysis.reply.context import ReviewContext
from calmdesk.domain import CheckStatus, Severity, Span

__all__ = ["NEEDS", "CheckSpec", "Outcome", "check_names", "checks", "get_check", "register"]

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


CheckFn = Callable[[ReviewContext], Outcome]


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

    def add(fn: CheckFn) -> CheckFn:
        if name in _REGISTRY:
            raise ValueError(f"check {name} is registered twice")
        _REGISTRY[name] = CheckSpec(check_id, name, summary, frozenset(needs), severity, fn)
        return fn

    return add


def _load() -> None:
    import calmdesk.analysis.reply.checks  # noqa: F401  (registers on import)


def checks() -> list[CheckSpec]:
    """Every registered check, in playbook order (P2 ... P14)."""
    _load()
    return sorted(_REGISTRY.values(), key=lambda s: int(s.id[1:]))


def check_names() -> list[str]:
    return [spec.name for spec in checks()]


def get_check(name: str) -> CheckSpec:
    _load()
    return _REGISTRY[name]
