"""What the desk's former P15 workflow (`p15_cases`) brought into the resolution cases: a deadline
on an arbitration decision (a timer, once), neutrality (the person handling the conversation
neither mediates nor arbitrates it), and migration 0010 moving old `p15_cases` rows over."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select, text
from tests.factories import FixedClock, World
from tests.p15_support import case_row, disputed, mediator, open_on, step, steps_of

from calmdesk.actions import fire_due_timers
from calmdesk.actions.cases import DECISION_DAYS
from calmdesk.analysis.cases import MediatorNotNeutral, NotAllowedToAct
from calmdesk.storage import AuditEntry, Conversation
from calmdesk.storage.cases import ResolutionCase, ResolutionStep
from calmdesk.storage.migrate import alembic_config


def _advance(world: World, by: timedelta) -> None:
    clock = world.ctx.clock
    assert isinstance(clock, FixedClock)
    clock.now = clock.now + by


def test_cases_arbitration_decision_overdue_is_recorded_once(world: World) -> None:
    case = open_on(world, disputed(world), "arbitration")
    assert case.decision_due_at == world.ctx.now() + timedelta(days=DECISION_DAYS)
    _advance(world, timedelta(days=DECISION_DAYS) - timedelta(minutes=1))
    assert fire_due_timers(world.ctx) == 0
    _advance(world, timedelta(minutes=2))
    assert fire_due_timers(world.ctx) == 1
    last = steps_of(world, case.id)[-1]
    assert (last.step, last.actor) == ("decision_overdue", "system:jobs")
    assert case_row(world, case.id).state == "arbitrating"  # still to decide, now late
    assert fire_due_timers(world.ctx) == 0
    decided = step(world, world.admin, case.id, "decide", decision="Refund 300", reasons="Faulty")
    assert decided.decision_due_at is None


def test_cases_appeal_starts_a_new_decision_deadline_and_a_decision_cancels_it(
    world: World,
) -> None:
    case = open_on(world, disputed(world), "arbitration")
    step(world, world.admin, case.id, "decide", decision="Refund 300", reasons="Faulty")
    appealed = step(world, world.agent, case.id, "appeal", reason="New photos")
    assert appealed.decision_due_at == world.ctx.now() + timedelta(days=DECISION_DAYS)
    step(world, world.supervisor, case.id, "decide", decision="Refund 480", reasons="Photos")
    _advance(world, timedelta(days=DECISION_DAYS + 1))
    assert fire_due_timers(world.ctx) == 0
    assert "decision_overdue" not in [s.step for s in steps_of(world, case.id)]


def test_cases_the_person_handling_the_conversation_neither_mediates_nor_arbitrates(
    world: World,
) -> None:
    conv = disputed(world)
    with world.ctx.sessions.begin() as session:  # the case is with Mo now (from Billing)
        mo = mediator(world)
        session.get_one(Conversation, conv.id).assignee_id = mo.id
    case = open_on(world, conv, "mediation", world.admin)
    with pytest.raises(MediatorNotNeutral) as caught:
        step(world, world.admin, case.id, "assign_mediator", user_id=mo.id)
    assert caught.value.code == "E832" and "handling" in caught.value.message
    step(world, world.admin, case.id, "escalate", to="arbitration", reason="No mediator")
    with pytest.raises(NotAllowedToAct) as refused:
        step(world, mo, case.id, "decide", decision="Refund 480", reasons="Mine")
    assert refused.value.code == "E831" and "neutral" in refused.value.message
    assert step(world, world.admin, case.id, "decide", decision="Refund 300",
                reasons="Faulty").state == "decided"  # fmt: skip


def test_migration_0010_moves_p15_rows_into_resolution_cases(world: World) -> None:
    conv = disputed(world)
    engine = world.ctx.sessions.kw["bind"]
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    command.downgrade(alembic_config(url), "0009")
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    record = {"note": "Refund disputed", "events": [
        {"step": "decide", "by": "user:sam", "at": at.isoformat(), "text": "Refund 300",
         "reasons": "Faulty motor", "binding": True},
        {"step": "inform", "by": "user:cal", "at": (at + timedelta(hours=1)).isoformat(),
         "text": "Told her"},
    ], "decision": "Refund 300", "reasons": "Faulty motor"}  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO p15_cases (conversation_id, kind, state, opened_by, neutral_id, "
                "record, binding, appeal_until, updated_at, created_at) VALUES (:c, "
                "'arbitration', 'informed', :u, :u, :r, true, :until, :at, :at)"
            ),
            {"c": conv.id, "u": world.supervisor.id, "r": json.dumps(record), "at": at,
             "until": at + timedelta(days=14)},
        )  # fmt: skip
    command.upgrade(alembic_config(url), "head")
    engine.dispose()
    with world.ctx.sessions() as session:
        moved = session.scalars(
            select(ResolutionCase).where(ResolutionCase.conversation_id == conv.id)
        ).one()
        assert (moved.track, moved.state) == ("arbitration", "decided")
        assert moved.first_arbitrator_id == world.supervisor.id
        assert (moved.decision, moved.reasons) == ("Refund 300", "Faulty motor")
        steps = session.scalars(
            select(ResolutionStep).where(ResolutionStep.case_id == moved.id)
            .order_by(ResolutionStep.seq)
        ).all()  # fmt: skip
        assert [s.step for s in steps] == ["open", "decide", "inform"]
        assert steps[1].state_after == "decided" and steps[1].data["reasons"] == "Faulty motor"
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "resolution_case.moved_from_p15")
        ).one()
        assert audit.entity_id == str(moved.id) and audit.after["state"] == "informed"
        names = session.execute(text("SELECT 1 FROM desk_overrides")).all()
        assert names == []
