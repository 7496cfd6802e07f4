"""Macros: placeholders, review by the playbook checks, flagged when they fail one."""

from __future__ import annotations

import pytest
from tests.desk.conftest import Desk

from calmdesk.actions.macros import fill_macro, save_macro
from calmdesk.domain.errors import PermissionDenied, UnsupportedValue
from calmdesk.storage import Conversation

GOOD = (
    "I'm sorry {customer_name} that order {order} has not arrived and nobody told you why; "
    "I can see why that is frustrating. "
    "I will send you the tracking number by Friday. Does that work for you? {agent_name}"
)
BLAMING = "That is not our fault, you should have read the delivery policy."


def test_macros_a_good_macro_passes_and_fills_in_the_case(desk: Desk) -> None:
    w = desk.world
    macro = save_macro(w.ctx, w.actor(w.agent), title="Late order", body=GOOD, team_id=w.team.id)
    assert macro.failed_checks == []
    conv = w.open(w.calm_customer)  # subject "Order 1042"
    with w.ctx.sessions() as session:
        filled = fill_macro(session, macro, session.get_one(Conversation, conv.id), "Cal")
    assert filled.text.startswith("I'm sorry Carl Calm that order 1042 has not arrived")
    assert filled.text.endswith("Cal") and filled.missing == ()


def test_macros_a_failing_macro_is_stored_flagged_with_its_checks(desk: Desk) -> None:
    w = desk.world
    macro = save_macro(w.ctx, w.actor(w.agent), title="Policy", body=BLAMING, team_id=w.team.id)
    assert any(check.startswith("P5") for check in macro.failed_checks)


def test_macros_refuse_unknown_placeholders_and_other_teams(desk: Desk) -> None:
    w = desk.world
    with pytest.raises(UnsupportedValue, match="customer_nme"):
        save_macro(w.ctx, w.actor(w.agent), title="x", body="Hi {customer_nme}", team_id=w.team.id)
    with pytest.raises(PermissionDenied):
        save_macro(w.ctx, w.actor(w.agent), title="x", body=GOOD, team_id=w.other_team.id)
