"""SLA clocks through the real actions: due times stored, met or missed once, warnings and
breaches by the sweep, and the queue putting an overdue callback above answered cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.desk.conftest import Desk
from tests.factories import ADMIN

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    create_customer,
    resolve_conversation,
    send_agent_reply,
)
from calmdesk.actions.desk_admin import save_sla_policy
from calmdesk.actions.sla import sweep_slas
from calmdesk.storage import AuditEntry, Conversation, Priority, UserRole
from calmdesk.storage.desk import ConversationSla, SlaOutcome
from calmdesk.web.console.desk_view import desk_queue
from calmdesk.web.deps import StaffPrincipal

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the world's clock starts here


def _sla(desk: Desk, conversation_id: int) -> ConversationSla:
    with desk.world.ctx.sessions() as session:
        return session.get_one(ConversationSla, conversation_id)


def _outcomes(desk: Desk) -> list[tuple[str, bool]]:
    with desk.world.ctx.sessions() as session:
        rows = session.scalars(select(SlaOutcome).order_by(SlaOutcome.id)).all()
        return [(r.metric, r.met) for r in rows]


def _at(desk: Desk, when: datetime) -> None:
    desk.world.ctx.clock.now = when  # type: ignore[attr-defined]


def test_sla_due_times_are_stored_from_the_matching_policy(desk: Desk) -> None:
    conv = desk.world.open(channel="chat")  # the packaged `chat` policy: 5 / 10 / 480 minutes
    sla = _sla(desk, conv.id)
    assert sla.policy == "chat"
    assert sla.first_response_due_at == MONDAY_9 + timedelta(minutes=5)
    assert sla.resolution_due_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert (sla.due_at, sla.due_metric) == (sla.first_response_due_at, "first_response")


def test_sla_business_hours_push_an_evening_email_to_monday(desk: Desk) -> None:
    _at(desk, datetime(2026, 3, 6, 16, 0, tzinfo=UTC))  # Friday 16:00, email: 240 working min
    conv = desk.world.open(desk.world.calm_customer, channel="email")
    assert _sla(desk, conv.id).first_response_due_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_sla_admin_policy_replaces_the_defaults(desk: Desk) -> None:
    save_sla_policy(desk.world.ctx, ADMIN, {
        "name": "vip", "first_response_minutes": 30, "next_response_minutes": 30,
        "resolution_minutes": 60, "business_hours": False,
    })  # fmt: skip
    sla = _sla(desk, desk.world.open().id)
    assert (sla.policy, sla.first_response_due_at) == ("vip", MONDAY_9 + timedelta(minutes=30))


def test_sla_replies_meet_targets_and_late_ones_miss_them(desk: Desk) -> None:
    w = desk.world
    conv = w.open(w.calm_customer, channel="chat")
    customer = Actor.for_customer(w.calm_customer.id)
    add_customer_turn(w.ctx, customer, conv.id, "Where is my parcel?")
    _at(desk, MONDAY_9 + timedelta(minutes=3))
    send_agent_reply(w.ctx, w.actor(w.agent), conv.id, "I am sorry; I am checking it now.")
    _at(desk, MONDAY_9 + timedelta(minutes=10))
    add_customer_turn(w.ctx, customer, conv.id, "Any news?")
    assert _sla(desk, conv.id).due_at == MONDAY_9 + timedelta(minutes=20)  # next response
    _at(desk, MONDAY_9 + timedelta(minutes=40))
    send_agent_reply(w.ctx, w.actor(w.agent), conv.id, "It arrives tomorrow.")
    resolve_conversation(w.ctx, w.actor(w.agent), conv.id, "Parcel located.")
    assert _outcomes(desk) == [
        ("first_response", True), ("next_response", False), ("resolution", True),
    ]  # fmt: skip
    assert _sla(desk, conv.id).due_at is None


def test_sla_sweep_warns_then_records_the_breach_once(desk: Desk) -> None:
    w = desk.world
    conv = w.open(w.calm_customer, channel="chat")
    assert sweep_slas(w.ctx, MONDAY_9 - timedelta(minutes=30)).warned == 0
    assert sweep_slas(w.ctx, MONDAY_9 + timedelta(minutes=1)).warned == 1  # due in 4 minutes
    result = sweep_slas(w.ctx, MONDAY_9 + timedelta(minutes=6))
    assert (result.warned, result.breached) == (0, 1)
    assert sweep_slas(w.ctx, MONDAY_9 + timedelta(minutes=7)).breached == 0
    assert _outcomes(desk) == [("first_response", False)]
    with w.ctx.sessions() as session:
        assert session.get_one(Conversation, conv.id).priority is Priority.HIGH
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("sla.%"))
        ).all()
    assert sorted(actions) == ["sla.breached", "sla.warning"]
    # a late reply after the breach records nothing more
    send_agent_reply(w.ctx, w.actor(w.agent), conv.id, "Sorry for the wait; checking now.")
    assert _outcomes(desk) == [("first_response", False)]


def test_sla_queue_puts_an_overdue_callback_above_answered_cases(desk: Desk) -> None:
    w = desk.world
    agent = Actor.for_user(w.agent)
    upset = create_customer(w.ctx, ADMIN, name="Uma Upset")  # standard tier, like Carl
    answered = w.open(upset, channel="email")
    add_customer_turn(w.ctx, Actor.for_customer(upset.id), answered.id,
                      "This is ridiculous, the worst, never again!!")  # fmt: skip
    send_agent_reply(
        w.ctx, agent, answered.id, "I am sorry. I have checked: the parcel is with the courier."
    )
    callback = w.open(w.calm_customer, channel="email")
    add_customer_turn(w.ctx, Actor.for_customer(w.calm_customer.id), callback.id, "Hello?")
    send_agent_reply(w.ctx, agent, callback.id, "I will call you back by tomorrow 5pm.")
    now = MONDAY_9 + timedelta(days=2, hours=6)  # the callback (Tuesday 17:00) is a day late
    user = StaffPrincipal(w.supervisor.id, "sam", "Sam", UserRole.SUPERVISOR, w.team.id, "t")
    with w.ctx.sessions() as session:
        rows, counts = desk_queue(session, user, "active", "urgent", "", now)
        by_risk, _ = desk_queue(session, user, "active", "risk", "", now)
    assert [r.id for r in rows][:1] == [callback.id]
    assert rows[0].callback_late and not rows[1].callback_late
    assert by_risk[0].id == answered.id  # the risk sort still ranks by risk
    assert counts["active"] == 2
