"""P15 workflows end to end through the actions: negotiation, mediation, arbitration with appeal,
the timers, every refusal, the audit rows and the export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.factories import FixedClock, World
from tests.p15_support import (
    case_row,
    disputed,
    mediator,
    open_on,
    small_supervisor,
    step,
    steps_of,
)

from calmdesk.actions import Actor, fire_due_timers
from calmdesk.actions.cases import open_case, take_step
from calmdesk.actions.export import export_record
from calmdesk.analysis.cases import (
    AppealWindowClosed,
    ArbitratorLacksAuthority,
    CaseAlreadyOpen,
    MediatorNotEligible,
    MediatorNotNeutral,
    NotAllowedToAct,
    PositionsMissing,
    SameArbitrator,
    StepNotAllowed,
    UnknownOffer,
    UnknownStep,
)
from calmdesk.domain import EmptyInput, MalformedInput, NotFound, UnsupportedValue
from calmdesk.storage import AuditEntry, AuthorRole, Timer, TimerKind, TimerStatus, Turn


def _audit_actions(world: World, case_id: int) -> list[str]:
    with world.ctx.sessions() as session:
        query = select(AuditEntry.action).where(
            AuditEntry.entity == "resolution_cases", AuditEntry.entity_id == str(case_id)
        )
        return list(session.scalars(query.order_by(AuditEntry.id)))


def _advance(world: World, by: timedelta) -> None:
    clock = world.ctx.clock
    assert isinstance(clock, FixedClock)
    clock.now = clock.now + by


def test_cases_negotiation_records_offers_answers_and_ends_agreed(world: World) -> None:
    conv = disputed(world)
    case = open_on(world, conv)
    assert (case.track, case.state) == ("negotiation", "negotiating")
    first = step(world, world.agent, case.id, "offer", text="Refund of 200")
    offer_id = steps_of(world, case.id)[-1].id
    step(world, world.agent, first.id, "answer", offer_id=offer_id, answer="countered",
         text="She wants 300")  # fmt: skip
    step(world, world.agent, case.id, "common_ground", text="A refund, not a replacement")
    done = step(world, world.agent, case.id, "agreed", text="Refund of 300 agreed")
    assert (done.state, done.outcome) == ("resolved", "agreed: Refund of 300 agreed")
    assert [s.step for s in steps_of(world, case.id)] == [
        "open", "offer", "answer", "common_ground", "agreed",
    ]  # fmt: skip
    assert steps_of(world, case.id)[2].data["answer"] == "countered"
    assert _audit_actions(world, case.id) == [
        "resolution_case.opened", "resolution_case.offer", "resolution_case.answer",
        "resolution_case.common_ground", "resolution_case.agreed",
    ]  # fmt: skip
    with pytest.raises(StepNotAllowed):
        step(world, world.agent, case.id, "offer", text="Too late")


def test_cases_mediation_with_an_outside_mediator_ends_with_the_proposal_accepted(
    world: World,
) -> None:
    mo = mediator(world)
    case = open_on(world, disputed(world))
    step(world, world.agent, case.id, "not_agreed", text="No common ground on the amount")
    with pytest.raises(NotAllowedToAct):  # agents do not move a case up
        step(world, world.agent, case.id, "escalate", to="mediation", reason="Stuck")
    up = step(world, world.supervisor, case.id, "escalate", to="mediation", reason="Stuck")
    assert (up.track, up.state) == ("mediation", "awaiting_mediator")
    assigned = step(world, world.supervisor, case.id, "assign_mediator", user_id=mo.id,
                    proposal_due_days=3)  # fmt: skip
    assert assigned.mediator_id == mo.id and assigned.state == "mediating"
    assert assigned.proposal_due_at == world.ctx.now() + timedelta(days=3)
    with pytest.raises(NotAllowedToAct):  # only the mediator records positions
        step(world, world.supervisor, case.id, "position", side="customer", text="Wants 480")
    step(world, mo, case.id, "position", side="customer", text="The blender broke in a week")
    with pytest.raises(PositionsMissing):
        step(world, mo, case.id, "proposal", text="Refund 350")
    step(world, mo, case.id, "position", side="company", text="Used past the return window")
    proposed = step(world, mo, case.id, "proposal", text="Refund 350 and a voucher")
    assert proposed.state == "proposed"
    accepted = step(world, mo, case.id, "accept", text="Customer accepted by phone")
    assert accepted.state == "resolved" and accepted.outcome.startswith("proposal accepted")
    with world.ctx.sessions() as session:  # the proposal came in time: its timer is cancelled
        timer = session.scalars(
            select(Timer).where(Timer.kind == TimerKind.CASE_PROPOSAL_DUE)
        ).one()
        assert timer.status is TimerStatus.CANCELLED


@pytest.mark.parametrize("who", ["supervisor", "agent", "other_agent"])
def test_cases_mediator_must_come_from_outside_the_team(world: World, who: str) -> None:
    case = open_on(world, disputed(world), "mediation")
    candidate = getattr(world, who)
    error = MediatorNotNeutral if who == "supervisor" else MediatorNotEligible
    with pytest.raises(error) as caught:
        step(world, world.supervisor, case.id, "assign_mediator", user_id=candidate.id)
    assert caught.value.code == ("E832" if who == "supervisor" else "E840")
    assert case_row(world, case.id).mediator_id is None


def test_cases_a_proposal_not_made_in_time_is_recorded_by_the_timer(world: World) -> None:
    mo = mediator(world)
    case = open_on(world, disputed(world), "mediation")
    step(world, world.supervisor, case.id, "assign_mediator", user_id=mo.id, proposal_due_days=2)
    _advance(world, timedelta(days=1))
    assert fire_due_timers(world.ctx) == 0
    _advance(world, timedelta(days=1, seconds=1))
    assert fire_due_timers(world.ctx) == 1
    last = steps_of(world, case.id)[-1]
    assert (last.step, last.actor) == ("proposal_overdue", "system:jobs")
    assert "overdue" in last.data["note"] and case_row(world, case.id).state == "mediating"
    assert fire_due_timers(world.ctx) == 0  # fired once


def _decided(world: World) -> int:
    case = open_on(world, disputed(world), "arbitration")
    una = small_supervisor(world)
    with pytest.raises(ArbitratorLacksAuthority) as caught:
        step(world, una, case.id, "decide", decision="Refund 480", reasons="Faulty")
    assert caught.value.code == "E833"
    with pytest.raises(NotAllowedToAct):
        step(world, world.agent, case.id, "decide", decision="Refund 480", reasons="Faulty")
    decided = step(world, world.supervisor, case.id, "decide", decision="Refund 300",
                   reasons="The motor failed, but the jug was misused", appeal_days=7)  # fmt: skip
    assert decided.state == "decided" and decided.first_arbitrator_id == world.supervisor.id
    assert decided.appeal_until == world.ctx.now() + timedelta(days=7)
    return case.id


def test_cases_arbitration_decision_informs_the_customer_and_an_appeal_gets_a_new_arbitrator(
    world: World,
) -> None:
    case_id = _decided(world)
    with world.ctx.sessions() as session:
        notice = session.scalars(select(Turn).order_by(Turn.seq.desc())).first()
        assert notice is not None and notice.author_role is AuthorRole.SYSTEM
        assert "Refund 300" in notice.text and "appeal until" in notice.text
    _advance(world, timedelta(days=6))
    appealed = step(world, world.agent, case_id, "appeal", reason="Customer has new photos")
    assert appealed.state == "appealed"
    with pytest.raises(SameArbitrator) as caught:
        step(world, world.supervisor, case_id, "decide", decision="Same", reasons="Same")
    assert caught.value.code == "E835"
    final = step(world, world.admin, case_id, "decide", decision="Refund 480",
                 reasons="The photos show a factory fault")  # fmt: skip
    assert final.state == "final" and final.decided_by_id == world.admin.id
    _advance(world, timedelta(days=30))
    assert fire_due_timers(world.ctx) == 0  # the appeal cancelled the window's timer
    with world.ctx.sessions() as session:
        texts = [t.text for t in session.scalars(select(Turn).order_by(Turn.seq))]
    assert texts[-1].startswith("Decision on your appeal: Refund 480")


def test_cases_decision_becomes_final_when_the_appeal_window_closes(world: World) -> None:
    case_id = _decided(world)
    _advance(world, timedelta(days=7, seconds=1))
    with pytest.raises(AppealWindowClosed):  # past the window, even before the timer ran
        step(world, world.agent, case_id, "appeal", reason="Too late")
    assert fire_due_timers(world.ctx) == 1
    final = case_row(world, case_id)
    assert final.state == "final" and final.outcome == "final: Refund 300"
    last = steps_of(world, case_id)[-1]
    assert last.data["note"] == "appeal window closed: decision final"
    assert "resolution_case.appeal_window_closed" in _audit_actions(world, case_id)
    with pytest.raises(AppealWindowClosed) as caught:
        step(world, world.agent, case_id, "appeal", reason="Too late")
    assert caught.value.code == "E834"


def test_cases_refusals_have_their_codes(world: World) -> None:
    conv = disputed(world)
    with pytest.raises(NotAllowedToAct):  # agents open negotiation only
        open_on(world, conv, "arbitration", world.agent)
    with pytest.raises(NotFound):  # another team's agent cannot see the conversation
        open_on(world, conv, "negotiation", world.other_agent)
    case = open_on(world, conv)
    with pytest.raises(CaseAlreadyOpen) as caught:
        open_on(world, conv)
    assert caught.value.code == "E837"
    with pytest.raises(UnknownStep):
        step(world, world.agent, case.id, "bribe")
    with pytest.raises(StepNotAllowed) as not_now:
        step(world, world.agent, case.id, "proposal", text="Early")
    assert not_now.value.code == "E830"
    with pytest.raises(UnknownOffer):
        step(world, world.agent, case.id, "answer", offer_id=999, answer="accepted")
    with pytest.raises(UnsupportedValue):
        step(world, world.supervisor, case.id, "escalate", to="court", reason="x")
    with pytest.raises(EmptyInput):
        step(world, world.agent, case.id, "offer", text="   ")
    with pytest.raises(NotFound):
        step(world, world.other_agent, case.id, "offer", text="Hi")
    with pytest.raises(NotAllowedToAct):
        take_step(world.ctx, Actor.for_customer(conv.customer_id), case.id, "offer", {"text": "x"})
    with pytest.raises(MalformedInput):
        open_case(world.ctx, world.actor(world.agent), disputed(world).id, "negotiation", "Why",
                  "lots")  # fmt: skip
    assert [s.step for s in steps_of(world, case.id)] == ["open"]  # nothing was recorded


def test_cases_supervisor_closes_and_escalates_straight_to_arbitration(world: World) -> None:
    case = open_on(world, disputed(world))
    up = step(world, world.supervisor, case.id, "escalate", to="arbitration", reason="Legal")
    assert (up.track, up.state) == ("arbitration", "arbitrating")
    closed = step(world, world.supervisor, case.id, "close", reason="Customer withdrew")
    assert closed.state == "closed" and closed.closed_at is not None


def test_cases_export_contains_the_case_its_steps_and_audit(world: World) -> None:
    conv = disputed(world)
    case = open_on(world, conv)
    step(world, world.agent, case.id, "offer", text="<b>Refund</b> of 200")
    record = json.loads(export_record(world.ctx, conv.id, "json"))
    [exported] = record["resolution_cases"]
    assert exported["id"] == case.id and exported["state"] == "negotiating"
    assert [s["step"] for s in exported["steps"]] == ["open", "offer"]
    assert [a["action"] for a in exported["audit"]] == [
        "resolution_case.opened", "resolution_case.offer",
    ]  # fmt: skip
    html = export_record(world.ctx, conv.id, "html")
    assert "Resolution case" in html and "&lt;b&gt;Refund&lt;/b&gt;" in html


def test_cases_rejected_proposal_moves_up_to_arbitration_and_a_new_mediator_resets_the_due_time(
    world: World,
) -> None:
    mo = mediator(world)
    case = open_on(world, disputed(world), "mediation")
    step(world, world.supervisor, case.id, "assign_mediator", user_id=mo.id, proposal_due_days=2)
    step(world, world.supervisor, case.id, "assign_mediator", user_id=mo.id, proposal_due_days=9)
    with world.ctx.sessions() as session:
        timers = session.scalars(
            select(Timer).where(Timer.kind == TimerKind.CASE_PROPOSAL_DUE).order_by(Timer.id)
        ).all()
        assert [t.status for t in timers] == [TimerStatus.CANCELLED, TimerStatus.PENDING]
        assert timers[1].due_at == world.ctx.now() + timedelta(days=9)
    for side in ("customer", "company"):
        step(world, mo, case.id, "position", side=side, text=f"The {side}'s view")
    step(world, mo, case.id, "proposal", text="Refund 350")
    failed = step(world, mo, case.id, "reject", text="Customer wants it all")
    assert failed.state == "mediation_failed"
    with pytest.raises(StepNotAllowed):  # no way back to mediation
        step(world, world.supervisor, case.id, "escalate", to="mediation", reason="Again")
    up = step(world, world.supervisor, case.id, "escalate", to="arbitration", reason="Formal")
    assert (up.track, up.state) == ("arbitration", "arbitrating")
