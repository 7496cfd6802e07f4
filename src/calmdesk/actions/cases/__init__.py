"""P15 resolution cases: opening one on a conversation and every step taken on it, audited
(`core`), with what each step does (`effects`). The state machine and who may act are data in
`calmdesk.analysis.cases`."""

from calmdesk.actions.cases.core import (
    case_records,
    case_visible,
    fire_appeal_window,
    fire_decision_due,
    fire_proposal_due,
    load_case,
    open_case,
    party_for,
    take_step,
)
from calmdesk.actions.cases.effects import APPEAL_DAYS, DECISION_DAYS, PROPOSAL_DAYS

__all__ = [
    "APPEAL_DAYS",
    "DECISION_DAYS",
    "PROPOSAL_DAYS",
    "case_records",
    "case_visible",
    "fire_appeal_window",
    "fire_decision_due",
    "fire_proposal_due",
    "load_case",
    "open_case",
    "party_for",
    "take_step",
]
