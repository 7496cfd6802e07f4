"""The names of the playbook checks and their practices, as plain data.

The playbook validates its `checks:` section against this table and the checks register under
it (`check_spec.register`), so the playbook never loads the check functions."""

from __future__ import annotations

__all__ = ["CHECK_IDS"]

CHECK_IDS: dict[str, str] = {
    "reflects_concern": "P2",
    "empathises": "P3",
    "calm_professional": "P4",
    "no_blame": "P5",
    "clarifies": "P6",
    "apologises": "P7",
    "policy_facts": "P8",
    "offers_solution": "P9",
    "gives_timeline": "P10",
    "no_overpromise": "P11",
    "checks_need": "P12",
    "sets_boundary": "P13",
    "escalates_clearly": "P14",
}
"""Every check's name and its playbook practice: a check registers only under a name listed here
with the same id, and the registry refuses to list the checks while one listed here is missing."""
