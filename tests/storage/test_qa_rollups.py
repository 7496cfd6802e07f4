"""The analytics rollups add up to what the records say (SQLite and PostgreSQL): after a refresh,
with the current day read from the records, after a change to an old day, after a deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from tests.factories import World

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    escalate,
    resolve_conversation,
    send_agent_reply,
)
from calmdesk.actions.csat import answer_csat, ask_csat
from calmdesk.actions.privacy import delete_conversation
from calmdesk.actions.qa import score_stored_conversations
from calmdesk.actions.qa_rollups import refresh_rollups
from calmdesk.storage import Conversation, Escalation
from calmdesk.storage.qa import CsatSurvey
from calmdesk.storage.qa_analytics import Filters, Scope, dashboard
from calmdesk.storage.qa_rollups import QaDaily, QaRollupState
from calmdesk.storage.qa_totals import from_rollups

REPLY = (
    "I'm sorry your order is late, that must be frustrating. I'll send you the tracking number "
    "by tomorrow at 5pm. Does that work for you?"
)
YEAR = Filters(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def _day(
    world: World, customer_name: str, channel: str, csat: int | None, escalated: bool = False
) -> int:
    """One conversation on the clock's day: upset customer, a promise, resolved, maybe CSAT."""
    customer = getattr(world, customer_name)
    c = world.open(customer, channel=channel)
    add_customer_turn(world.ctx, Actor.for_customer(customer.id), c.id, "My order is late!!")
    send_agent_reply(world.ctx, world.actor(world.agent), c.id, REPLY)
    if escalated:
        escalate(world.ctx, world.actor(world.supervisor), c.id, "asked for a manager")
    world.ctx.clock.now += timedelta(hours=2)  # type: ignore[attr-defined]
    resolve_conversation(world.ctx, world.actor(world.agent), c.id, "sent")
    if csat is not None:
        ask_csat(world.ctx, Actor.system("t"), c.id)
        answer_csat(world.ctx, Actor.for_customer(customer.id), c.id, csat)
    return c.id


def _build(world: World) -> list[int]:
    """Conversations over three days, one escalated; scored; the clock left on a fourth day."""
    ids = []
    for name, channel, csat in (
        ("angry_customer", "chat", 2),
        ("calm_customer", "email", 5),
        ("angry_customer", "chat", None),
    ):
        ids.append(_day(world, name, channel, csat, escalated=not ids))
        world.ctx.clock.now += timedelta(days=1)  # type: ignore[attr-defined]
    score_stored_conversations(world.ctx, Actor.system("t"))
    return ids


def _rows(world: World, scope: Scope, f: Filters, *, rollups: bool) -> dict[str, list[object]]:
    with world.ctx.sessions() as session:
        return {c.name: c.rows for c in dashboard(session, scope, f, rollups=rollups)}


def _same(world: World, scope: Scope, f: Filters) -> dict[str, list[object]]:
    """The dashboard from rollups equals the dashboard from the records alone."""
    rolled = _rows(world, scope, f, rollups=True)
    assert rolled == _rows(world, scope, f, rollups=False)
    return rolled


def test_qa_rollups_match_the_records_for_every_filter(world: World) -> None:
    ids = _build(world)
    run = refresh_rollups(world.ctx)
    assert run.full and len(run.days) >= 3
    with world.ctx.sessions() as session:
        counted = from_rollups(session, Scope(), YEAR.between(YEAR.since, run.rolled_until))
        by_channel = dict(
            session.execute(select(Conversation.channel, func.count()).group_by("channel")).all()
        )
        answers = sorted(session.scalars(select(CsatSurvey.score)))
        escalations = session.scalar(select(func.count()).select_from(Escalation))
    assert sum(counted.channels.values()) == len(ids)  # the rollups alone count them all
    rows = _same(world, Scope(), YEAR)
    assert {r[0]: r[1] for r in rows["volume_by_channel"]} == {
        str(k): n for k, n in by_channel.items()
    }
    assert [r[1] for r in rows["csat"]] == [answers.count(s) for s in range(1, 6)]
    assert sum(r[3] for r in rows["escalations"]) == escalations >= 1
    assert rows["agents"][0][:2] == ["Cal", 3]
    assert rows["response_times"][1][1] == 3  # three resolution times
    for scope, f in (
        (Scope(everyone=False, team_id=world.team.id, user_id=world.supervisor.id), YEAR),
        (Scope(everyone=False, team_id=world.other_team.id, user_id=None), YEAR),
        (Scope(), Filters(YEAR.since, YEAR.until, agent_id=world.agent.id)),
        (Scope(), Filters(YEAR.since, YEAR.until, team_id=world.other_team.id)),
        # a period that starts and ends inside days: its edges come from the records
        (Scope(), Filters(datetime(2026, 3, 2, 12, tzinfo=UTC), world.ctx.now())),
    ):
        _same(world, scope, f)


def test_qa_rollups_read_the_current_day_from_the_records(world: World) -> None:
    _build(world)
    refresh_rollups(world.ctx)
    _day(world, "calm_customer", "email", 4)  # today, after the refresh
    score_stored_conversations(world.ctx, Actor.system("t"))
    live = _rows(world, Scope(), YEAR, rollups=True)
    records = _rows(world, Scope(), YEAR, rollups=False)
    for chart in ("volume_by_channel", "volume_by_cause", "csat", "agents", "response_times",
                  "de_escalation", "promises", "escalations", "repeat_contacts"):  # fmt: skip
        assert live[chart] == records[chart], chart
    assert {r[0]: r[1] for r in live["volume_by_channel"]} == {"chat": 2, "email": 2}
    assert live["csat"][3] == [4, 1]
    # the calm customer came back today after an older complaint: that older day's retention
    # changes at the next refresh
    assert live["retention"] != records["retention"]
    refresh_rollups(world.ctx)
    _same(world, Scope(), YEAR)


def test_qa_rollups_refresh_only_the_days_that_changed(world: World) -> None:
    ids = _build(world)
    world.ctx.clock.now += timedelta(minutes=10)  # type: ignore[attr-defined]
    refresh_rollups(world.ctx)  # changes from 2 minutes before this one on are looked at again
    world.ctx.clock.now += timedelta(hours=1)  # type: ignore[attr-defined]
    ask_csat(world.ctx, Actor.system("t"), ids[2])  # an old day's conversation answers now
    answer_csat(world.ctx, Actor.for_customer(world.angry_customer.id), ids[2], 1)
    stale = _rows(world, Scope(), YEAR, rollups=True)
    assert stale["csat"][0] == [1, 0]  # not rolled up yet (the worker refreshes every 5 minutes)
    run = refresh_rollups(world.ctx)
    with world.ctx.sessions() as session:
        opened = {c.id: c.opened_at.date() for c in session.scalars(select(Conversation))}
    assert not run.full and opened[ids[2]] in run.days and opened[ids[1]] not in run.days
    assert _same(world, Scope(), YEAR)["csat"][0] == [1, 1]


def test_qa_rollups_rebuild_after_records_are_deleted(world: World) -> None:
    ids = _build(world)
    refresh_rollups(world.ctx)
    with world.ctx.sessions.begin() as session:
        row = session.get(Conversation, ids[1])
        assert row is not None
        delete_conversation(session, Actor.system("t"), row, "test")
    run = refresh_rollups(world.ctx)
    assert run.full
    rows = _same(world, Scope(), YEAR)
    assert {r[0]: r[1] for r in rows["volume_by_channel"]} == {"chat": 2}
    with world.ctx.sessions() as session:
        state = session.get(QaRollupState, 1)
        assert state is not None and state.conversations == 2
        assert session.scalar(select(func.sum(QaDaily.conversations))) == 2


def test_qa_rollups_with_no_records_are_empty(world: World) -> None:
    run = refresh_rollups(world.ctx)
    assert run.days == ()
    rows = _same(world, Scope(), YEAR)
    assert rows["volume_by_channel"] == [] and rows["agents"] == []
