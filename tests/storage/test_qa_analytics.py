"""The analytics dashboard's numbers match the records they summarise (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from tests.factories import World

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    complete_commitment,
    escalate,
    resolve_conversation,
    send_agent_reply,
)
from calmdesk.actions.csat import answer_csat, ask_csat
from calmdesk.actions.qa import score_stored_conversations
from calmdesk.storage import Commitment, Conversation, Escalation
from calmdesk.storage.qa_analytics import Filters, Scope, dashboard, percentile

PROMISE = (
    "I'm sorry your order is late, that must be frustrating. I'll send you the tracking number "
    "by tomorrow at 5pm. Does that work for you?"
)


def _build(world: World) -> list[int]:
    agent, job = world.actor(world.agent), Actor.system("t")
    ids = []
    for customer, channel, score in (
        (world.angry_customer, "chat", 2),
        (world.angry_customer, "chat", 5),
        (world.calm_customer, "email", None),
    ):
        c = world.open(customer, channel=channel)
        add_customer_turn(
            world.ctx, Actor.for_customer(customer.id), c.id, "My order is late again!!"
        )
        send_agent_reply(world.ctx, agent, c.id, PROMISE)
        if not ids:
            escalate(world.ctx, world.actor(world.supervisor), c.id, "asked for a manager")
        world.ctx.clock.now += timedelta(hours=1)  # type: ignore[attr-defined]
        resolve_conversation(world.ctx, agent, c.id, "sent")
        if score is not None:
            ask_csat(world.ctx, job, c.id)
            answer_csat(world.ctx, Actor.for_customer(customer.id), c.id, score)
        ids.append(c.id)
    with world.ctx.sessions() as session:
        first = session.scalars(select(Commitment.id).where(Commitment.conversation_id == ids[0]))
        complete_commitment(world.ctx, agent, next(iter(first)), customer_told=True)
    score_stored_conversations(world.ctx, job)
    return ids


def _charts(world: World) -> dict[str, object]:
    period = Filters(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    with world.ctx.sessions() as session:
        return {c.name: c for c in dashboard(session, Scope(), period)}


def test_qa_analytics_numbers_match_the_records(world: World) -> None:
    ids = _build(world)
    charts = _charts(world)
    with world.ctx.sessions() as session:
        grouped = select(Conversation.channel, func.count()).group_by(Conversation.channel)
        by_channel = {str(channel): n for channel, n in session.execute(grouped)}
        promises = session.scalar(select(func.count()).select_from(Commitment))
        escalations = session.scalar(select(func.count()).select_from(Escalation))
    assert {r[0]: r[1] for r in charts["volume_by_channel"].rows} == by_channel
    assert charts["csat"].rows == [[1, 0], [2, 1], [3, 0], [4, 0], [5, 1]]
    made, kept = charts["promises"].rows[0][1:3]
    assert (made, kept) == (promises, 1)
    assert sum(r[3] for r in charts["escalations"].rows) == escalations
    (agent,) = charts["agents"].rows
    assert agent[0] == "Cal" and agent[1] == len(ids)
    times = {r[0]: r for r in charts["response_times"].rows}
    assert times["resolution"][1] == 3 and times["resolution"][2] > 0


def test_qa_analytics_filters_by_agent_and_period(world: World) -> None:
    _build(world)
    with world.ctx.sessions() as session:
        nobody = Filters(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC),
                         agent_id=world.other_agent.id)  # fmt: skip
        charts = {c.name: c for c in dashboard(session, Scope(), nobody)}
        assert charts["agents"].rows == [] and charts["csat"].rows[1] == [2, 0]
        before = Filters(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))
        charts = {c.name: c for c in dashboard(session, Scope(), before)}
        assert charts["volume_by_channel"].rows == []


def test_qa_analytics_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.0
    assert percentile([float(i) for i in range(1, 11)], 0.9) == 9.0
    assert percentile([float(i) for i in range(1, 7)], 0.5) == 3.0
