"""Claim, assign, hand back; auto-assignment fairness and capacity; escalation targets."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.desk.conftest import Desk
from tests.factories import ADMIN

from calmdesk.actions import escalate
from calmdesk.actions.assignment import assign, claim, hand_back, set_presence
from calmdesk.actions.desk_admin import set_team_settings
from calmdesk.domain.errors import AssignmentRefused, NotClaimable, NotFound
from calmdesk.storage import AuditEntry, Conversation, User
from calmdesk.storage.desk import Assignment

WEEK = {"mon": ["00:00", "24:00"]}


def _get(desk: Desk, conversation_id: int) -> Conversation:
    with desk.world.ctx.sessions() as session:
        return session.get_one(Conversation, conversation_id)


def _routing(desk: Desk, mode: str, capacity: int = 8) -> None:
    set_team_settings(
        desk.world.ctx, ADMIN, desk.world.team.id, routing_mode=mode, capacity=capacity,
        timezone="UTC", business_hours=WEEK,
    )  # fmt: skip


def _audit(desk: Desk, action: str) -> list[AuditEntry]:
    with desk.world.ctx.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_assignment_agent_claims_an_unassigned_case_of_their_team(desk: Desk) -> None:
    w = desk.world
    conv = w.open()
    claim(w.ctx, w.actor(w.agent), conv.id)
    assert _get(desk, conv.id).assignee_id == w.agent.id
    assert [a.after["kind"] for a in _audit(desk, "assignment.claim")] == ["claim"]
    assert _audit(desk, "conversation.claimed")


def test_assignment_claim_refuses_taken_and_other_team_cases(desk: Desk) -> None:
    w = desk.world
    conv = w.open()
    claim(w.ctx, w.actor(w.agent), conv.id)
    with pytest.raises(NotClaimable, match="already has"):
        claim(w.ctx, w.actor(desk.dee), conv.id)
    with pytest.raises(NotClaimable, match="another team"):
        claim(w.ctx, w.actor(w.other_agent), w.open().id)


def test_assignment_agents_cannot_assign_to_others(desk: Desk) -> None:
    w = desk.world
    conv = w.open()
    with pytest.raises(AssignmentRefused, match="cannot assign"):
        assign(w.ctx, w.actor(w.agent), conv.id, user_id=desk.dee.id)
    with pytest.raises(AssignmentRefused, match="claim"):
        assign(w.ctx, w.actor(w.agent), conv.id, user_id=w.agent.id)
    assert _get(desk, conv.id).assignee_id is None


def test_assignment_supervisor_reassigns_to_a_person_and_to_a_team(desk: Desk) -> None:
    w = desk.world
    conv = w.open()
    assign(w.ctx, w.actor(w.supervisor), conv.id, user_id=desk.dee.id, reason="Speaks Greek")
    assert _get(desk, conv.id).assignee_id == desk.dee.id
    assign(w.ctx, w.actor(w.supervisor), conv.id, team_id=w.other_team.id, reason="Billing")
    moved = _get(desk, conv.id)
    assert (moved.assignee_id, moved.team_id) == (None, w.other_team.id)
    with w.ctx.sessions() as session:
        rows = session.scalars(select(Assignment).order_by(Assignment.id)).all()
        assert [(r.kind, r.from_user_id, r.reason) for r in rows] == [
            ("assign", None, "Speaks Greek"),
            ("assign", desk.dee.id, "Billing"),
        ]


def test_assignment_refuses_inactive_or_unknown_people(desk: Desk) -> None:
    w = desk.world
    with w.ctx.sessions.begin() as session:
        session.get_one(User, desk.eve.id).is_active = False
    with pytest.raises(NotFound):
        assign(w.ctx, w.actor(w.supervisor), w.open().id, user_id=desk.eve.id)
    with pytest.raises(NotFound):
        assign(w.ctx, w.actor(w.supervisor), w.open().id, user_id=99_999)


def test_assignment_hand_back_by_the_assignee_only(desk: Desk) -> None:
    w = desk.world
    conv = w.open()
    claim(w.ctx, w.actor(w.agent), conv.id)
    with pytest.raises(AssignmentRefused):
        hand_back(w.ctx, w.actor(desk.dee), conv.id)
    hand_back(w.ctx, w.actor(w.agent), conv.id, "End of shift")
    assert _get(desk, conv.id).assignee_id is None
    assert _audit(desk, "conversation.handed_back")[0].after["reason"] == "End of shift"


def test_assignment_auto_least_open_is_fair_and_respects_capacity(desk: Desk) -> None:
    w = desk.world
    _routing(desk, "least_open", capacity=3)
    desk.online(w.agent, desk.dee, desk.eve)
    opened = [w.open() for _ in range(10)]
    counts = Counter(c.assignee_id for c in opened)
    assert counts[w.agent.id] == counts[desk.dee.id] == counts[desk.eve.id] == 3
    assert counts[None] == 1  # everyone is at capacity: the tenth waits in the team queue


def test_assignment_auto_round_robin_takes_turns(desk: Desk) -> None:
    w = desk.world
    _routing(desk, "round_robin")
    desk.online(w.agent, desk.dee)
    got = [w.open().assignee_id for _ in range(4)]
    assert got[0] != got[1] and got[:2] == got[2:]


def test_assignment_auto_skips_away_offline_and_inactive_agents(desk: Desk) -> None:
    w = desk.world
    desk.online(w.agent, desk.dee, desk.eve)
    set_presence(w.ctx, w.actor(w.agent), w.agent.id, "away")
    with w.ctx.sessions.begin() as session:
        session.get_one(User, desk.eve.id).is_active = False
    got = {w.open().assignee_id for _ in range(3)}
    assert got == {desk.dee.id}
    w.ctx.clock.now += timedelta(minutes=30)  # type: ignore[attr-defined]  # dee went quiet
    assert w.open().assignee_id is None


def test_assignment_manual_routing_assigns_nobody(desk: Desk) -> None:
    w = desk.world
    _routing(desk, "manual")
    desk.online(w.agent)
    assert w.open().assignee_id is None


def test_assignment_escalations_go_to_the_least_loaded_supervisor(desk: Desk) -> None:
    w = desk.world
    supervisors = []
    for _ in range(4):
        conv = w.open()
        supervisors.append(escalate(w.ctx, w.actor(w.agent), conv.id, "Refund too big").to_user_id)
    assert Counter(supervisors) == {w.supervisor.id: 2, desk.sue.id: 2}


def test_assignment_escalation_to_a_team_goes_to_its_supervisor_never_inactive(
    desk: Desk,
) -> None:
    w = desk.world
    row = escalate(w.ctx, w.actor(w.agent), w.open().id, "Billing", to_team_id=w.other_team.id)
    assert row.to_user_id == desk.rex.id
    with w.ctx.sessions.begin() as session:
        session.get_one(User, desk.rex.id).is_active = False
    conv = w.open()
    escalate(w.ctx, w.actor(w.agent), conv.id, "Billing", to_team_id=w.other_team.id)
    waiting = _get(desk, conv.id)
    assert (waiting.assignee_id, waiting.team_id) == (None, w.other_team.id)


def test_assignment_nobody_escalates_to_themselves(desk: Desk) -> None:
    w = desk.world
    conv = w.open()
    with pytest.raises(AssignmentRefused, match="yourself"):
        escalate(w.ctx, w.actor(w.supervisor), conv.id, "Me", to_user_id=w.supervisor.id)
    row = escalate(w.ctx, w.actor(w.supervisor), conv.id, "Second opinion")
    assert row.to_user_id == desk.sue.id


def test_assignment_releasing_a_deactivated_user_returns_their_cases(desk: Desk) -> None:
    from calmdesk.actions.assignment import release_cases_in_session

    w = desk.world
    desk.online(desk.dee)
    mine = [w.open() for _ in range(2)]
    for conv in mine:  # auto-assigned to Dee on arrival, then given to Cal
        assign(w.ctx, w.actor(w.supervisor), conv.id, user_id=w.agent.id)
    with w.ctx.sessions.begin() as session:
        session.get_one(User, w.agent.id).is_active = False
        released = release_cases_in_session(session, w.ctx, ADMIN, w.agent.id, "Left the company")
    assert sorted(released) == sorted(c.id for c in mine)
    assert {_get(desk, c.id).assignee_id for c in mine} == {desk.dee.id}  # auto-assigned again
