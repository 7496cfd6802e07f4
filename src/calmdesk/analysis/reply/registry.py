"""Playbook checks registered by name, each declaring what it needs (STYLE habit 3).

The decorator, `Outcome` and the table of check names are in `check_spec.py`; the check
functions in `checks/`, imported here so that they are registered."""

from __future__ import annotations

import calmdesk.analysis.reply.checks  # noqa: F401  (registers the check functions)
from calmdesk.analysis.reply.check_spec import (
    CHECK_IDS,
    NEEDS,
    CheckSpec,
    Outcome,
    register,
    registered,
)

__all__ = ["NEEDS", "CheckSpec", "Outcome", "check_names", "checks", "get_check", "register"]


def checks() -> list[CheckSpec]:
    """Every registered check, in playbook order (P2 ... P14)."""
    found = registered()
    missing = set(CHECK_IDS) - {spec.name for spec in found}
    if missing:  # a check module that stopped registering its check
        raise RuntimeError(f"checks listed in CHECK_IDS are not registered: {sorted(missing)}")
    return sorted(found, key=lambda s: int(s.id[1:]))


def check_names() -> list[str]:
    return [spec.name for spec in checks()]


def get_check(name: str) -> CheckSpec:
    """The check registered under `name` (KeyError for another name)."""
    return {spec.name: spec for spec in checks()}[name]
