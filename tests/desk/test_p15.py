"""P15 end to end: negotiation, mediation and arbitration; who may act; deadlines; the export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.desk.conftest import Desk

from calmdesk.actions.export import export_record
from calmdesk.actions.p15 import open_p15, p15_step, sweep_p15
from calmdesk.domain.errors import Conflict, InputError, PermissionDenied
from calmdesk.storage import AuditEntry


def _audit(desk: Desk) -> list[str]:
    with desk.world.ctx.sessions() as session:
        stmt = (
            select(AuditEntry.action).where(AuditEntry.action.like("p15.%")).order_by(AuditEntry.id)
        )
        return list(session.scalars(stmt))


def test_p15_negotiation_records_offers_answers_and_common_ground(desk: Desk) -> None:
    w = desk.world
    conv, cal = w.open(), w.actor(w.agent)
    case = open_p15(w.ctx, cal, conv.id, "negotiation", "Refund dispute")
    p15_step(w.ctx, cal, case.id, "offer", text="A 20% refund now.")
    p15_step(w.ctx, cal, case.id, "answer", text="Not enough; I want it all back.")
    p15_step(w.ctx, cal, case.id, "offer", text="A full refund if the parcel comes back.")
    p15_step(w.ctx, cal, case.id, "common_ground", text="Both want the parcel returned.")
    done = p15_step(w.ctx, cal, case.id, "agree", text="Full refund on return.")
    assert done.state == "agreed" and done.closed_at is not None
    assert done.record["offers"] == ["A 20% refund now.", "A full refund if the parcel comes back."]
    assert done.record["common_ground"] == "Both want the parcel returned."
    with pytest.raises(Conflict, match="agreed"):
        p15_step(w.ctx, cal, case.id, "offer", text="More?")
    assert _audit(desk)[0] == "p15.negotiation_opened" and _audit(desk)[-1] == "p15.agree"


def test_p15_mediation_needs_a_neutral_mediator_who_alone_records_it(desk: Desk) -> None:
    w = desk.world
    conv = w.open()
    case = open_p15(w.ctx, w.actor(w.agent), conv.id, "mediation")
    with pytest.raises(PermissionDenied, match="supervisor or an admin"):
        p15_step(w.ctx, w.actor(w.agent), case.id, "assign_mediator", user_id=desk.rex.id)
    with pytest.raises(InputError, match="outside the case's team"):
        p15_step(w.ctx, w.actor(w.supervisor), case.id, "assign_mediator", user_id=desk.sue.id)
    p15_step(w.ctx, w.actor(w.supervisor), case.id, "assign_mediator", user_id=desk.rex.id)
    with pytest.raises(PermissionDenied, match="mediator"):
        p15_step(w.ctx, w.actor(w.supervisor), case.id, "position", text="x", side="company")
    rex = w.actor(desk.rex)
    p15_step(w.ctx, rex, case.id, "position", text="I want compensation.", side="customer")
    p15_step(w.ctx, rex, case.id, "position", text="Policy allows a voucher.", side="company")
    p15_step(w.ctx, rex, case.id, "propose", text="A voucher plus free shipping.")
    done = p15_step(w.ctx, rex, case.id, "accept")
    assert done.state == "accepted" and done.record["accepted"] is True
    assert done.record["positions"] == {
        "customer": "I want compensation.", "company": "Policy allows a voucher.",
    }  # fmt: skip


def test_p15_arbitration_is_decided_by_an_authorised_person_with_an_appeal_window(
    desk: Desk,
) -> None:
    w = desk.world
    conv = w.open()
    case = open_p15(w.ctx, w.actor(w.agent), conv.id, "arbitration")
    with pytest.raises(PermissionDenied, match="decides an arbitration"):
        p15_step(w.ctx, w.actor(w.agent), case.id, "decide", text="Refund", reasons="Fair")
    with pytest.raises(InputError):
        p15_step(w.ctx, w.actor(w.admin), case.id, "decide", text="Refund")  # no reasons
    decided = p15_step(w.ctx, w.actor(w.admin), case.id, "decide", text="Full refund.",
                       reasons="The parcel was lost by our courier.")  # fmt: skip
    assert decided.binding and decided.neutral_id == w.admin.id
    informed = p15_step(w.ctx, w.actor(w.agent), case.id, "inform", text="Told by email.")
    assert informed.appeal_until == w.ctx.now() + timedelta(days=14)
    w.ctx.clock.now += timedelta(days=15)  # type: ignore[attr-defined]
    assert sweep_p15(w.ctx) == 1  # the window passed: the decision is final
    exported = json.loads(export_record(w.ctx, conv.id))["p15_cases"]
    assert [(p["kind"], p["state"]) for p in exported] == [("arbitration", "closed")]
    assert exported[0]["record"]["reasons"] == "The parcel was lost by our courier."
    assert "The parcel was lost by our courier." in export_record(w.ctx, conv.id, "html")
    with pytest.raises(Conflict, match="closed"):
        p15_step(w.ctx, w.actor(w.agent), case.id, "appeal", text="I disagree")


def test_p15_a_missed_deadline_is_recorded_once(desk: Desk) -> None:
    w = desk.world
    open_p15(w.ctx, w.actor(w.agent), w.open().id, "negotiation")
    w.ctx.clock.now += timedelta(days=4)  # type: ignore[attr-defined]
    assert sweep_p15(w.ctx) == 1
    assert sweep_p15(w.ctx) == 0
    assert _audit(desk).count("p15.deadline_missed") == 1


def test_p15_one_workflow_at_a_time(desk: Desk) -> None:
    w = desk.world
    conv = w.open()
    open_p15(w.ctx, w.actor(w.agent), conv.id, "negotiation")
    with pytest.raises(Conflict, match="already under way"):
        open_p15(w.ctx, w.actor(w.agent), conv.id, "mediation")
