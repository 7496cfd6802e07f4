"""`calmdesk qa --db` as actions: stored conversations scored from their stored analyses and
record facts, incrementally (only what changed since the last run), every write audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from tests.factories import ADMIN, World

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    complete_commitment,
    reopen_conversation,
    resolve_conversation,
    send_agent_reply,
)
from calmdesk.actions.qa import score_stored_conversations
from calmdesk.storage import AuditEntry, Commitment
from calmdesk.storage.qa import QaScorecard

QA = Actor.system("qa-test")
PROMISE = (
    "I'm sorry your order 1042 is late, that must be frustrating. I'll send you the tracking "
    "number by tomorrow at 5pm. Does that work for you?"
)


def _resolved(world: World, *, promise: bool = False) -> int:
    conversation = world.open()
    customer = Actor.for_customer(world.angry_customer.id)
    agent = world.actor(world.agent)
    add_customer_turn(world.ctx, customer, conversation.id, "My order is late again!! Ridiculous")
    reply = send_agent_reply(world.ctx, agent, conversation.id, PROMISE if promise else (
        "I'm sorry your order 1042 is late. I've re-sent it by express today; it arrives "
        "tomorrow by noon. Does that work for you?"
    ))  # fmt: skip
    assert not promise or reply.commitments
    add_customer_turn(world.ctx, customer, conversation.id, "ok thanks")
    resolve_conversation(world.ctx, agent, conversation.id, "re-sent")
    return conversation.id


def _cards(world: World) -> dict[int, QaScorecard]:
    with world.ctx.sessions() as session:
        return {c.conversation_id: c for c in session.scalars(select(QaScorecard))}


def test_actions_qa_scores_resolved_conversations_from_stored_analyses(world: World) -> None:
    cid = _resolved(world)
    open_one = world.open()
    calls: list[object] = []
    world.ctx.analyzer.analyze = lambda c: calls.append(c)  # type: ignore[union-attr,method-assign,assignment,return-value]
    run = score_stored_conversations(world.ctx, QA)
    assert (run.scored, run.failed) == (1, 0)
    assert calls == []  # every turn had its stored signals: nothing analysed again
    card = _cards(world)[cid]
    assert open_one.id not in _cards(world)
    assert 0 <= card.score <= 100
    assert card.agent_id == world.agent.id and card.team_id == world.team.id
    assert [t["index"] for t in card.agent_turns] == [1]
    assert card.outcome["resolved"] is True and card.outcome["resolution_source"] == "record"
    assert card.criteria["resolution"]["status"] == "pass"
    assert card.criteria["follow_up"]["status"] == "not_applicable"  # the follow-up is not due


def test_actions_qa_runs_again_only_on_what_changed(world: World) -> None:
    first, second = _resolved(world, promise=True), _resolved(world)
    assert score_stored_conversations(world.ctx, QA).scored == 2
    again = score_stored_conversations(world.ctx, QA)
    assert (again.scored, again.unchanged) == (0, 2)
    with world.ctx.sessions() as session:
        promise = session.scalars(select(Commitment).where(Commitment.conversation_id == first))
        (promise_id,) = [p.id for p in promise]
    complete_commitment(world.ctx, ADMIN, promise_id, customer_told=True)
    third = score_stored_conversations(world.ctx, QA)
    assert (third.scored, third.unchanged) == (1, 1)
    card = _cards(world)[first]
    assert card.criteria["promises_kept"]["status"] == "pass"
    assert _cards(world)[second].criteria["promises_kept"]["status"] == "not_applicable"


def test_actions_qa_overdue_promise_is_rescored_when_it_falls_due(world: World) -> None:
    cid = _resolved(world, promise=True)
    score_stored_conversations(world.ctx, QA)
    assert _cards(world)[cid].criteria["promises_kept"]["status"] == "not_applicable"
    world.ctx.clock.now += timedelta(days=3)  # type: ignore[attr-defined]
    assert score_stored_conversations(world.ctx, QA).scored == 1
    card = _cards(world)[cid]
    assert card.criteria["promises_kept"]["status"] == "fail"
    assert "overdue" in card.criteria["promises_kept"]["evidence"][0]["note"]


def test_actions_qa_reopened_conversation_fails_resolution_once_resolved_again(
    world: World,
) -> None:
    cid = _resolved(world)
    score_stored_conversations(world.ctx, QA)
    agent = world.actor(world.agent)
    reopen_conversation(world.ctx, agent, cid)
    assert score_stored_conversations(world.ctx, QA).scored == 0  # open: not scored
    resolve_conversation(world.ctx, agent, cid, "fixed for good")
    assert score_stored_conversations(world.ctx, QA).scored == 1
    assert _cards(world)[cid].criteria["resolution"]["status"] == "fail"


def test_actions_qa_every_scorecard_write_is_audited(world: World) -> None:
    cid = _resolved(world)
    score_stored_conversations(world.ctx, QA)
    with world.ctx.sessions() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "qa.scored")))
    card = _cards(world)[cid]
    assert [(e.entity, e.entity_id, e.actor) for e in entries] == [
        ("qa_scorecards", str(card.id), "system:qa-test")
    ]
    assert entries[0].after == {"score": card.score, "fingerprint": card.fingerprint}
