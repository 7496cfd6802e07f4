"""What a posted customer turn stores, now that its write transaction is plain SQL statements.

The write skips the ORM's unit of work (`actions.customer_post`), so what the unit of work did for
it is checked here on the rows themselves: the turn with its analysis, redacted; the turn handed
back as the ORM would have (detached, every column set); the case's queue summary; the response
timer; the audit row that references the turn's text instead of copying it; the escalation of a
rule firing for the first time, audited before the turn as before; and a retry or a refusal
writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, inspect, select
from tests.factories import World, cue_signals

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    block_customer,
    desk_overrides,
    resolve_conversation,
)
from calmdesk.actions.customer_post import insert_timer
from calmdesk.actions.desk_overrides import save_override
from calmdesk.domain import PermissionDenied, to_jsonable
from calmdesk.storage import (
    AuditEntry,
    Conversation,
    ConversationStatus,
    Timer,
    TimerKind,
    TimerStatus,
    Turn,
)
from calmdesk.storage.desk import ConversationSla

CARD = "4242 4242 4242 4242"


def test_a_customer_turn_is_stored_redacted_with_its_analysis_summary_timer_and_audit(
    world: World,
) -> None:
    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    add_customer_turn(world.ctx, customer, conv.id, "Hello, my parcel 1042 is late.")
    world.ctx.clock.now += timedelta(minutes=3)  # type: ignore[attr-defined]
    posted = add_customer_turn(
        world.ctx, customer, conv.id, f"Still nothing, this is ridiculous. Card {CARD}.",
        idempotency_key="k-1",
    )  # fmt: skip
    assert posted.created
    with world.ctx.sessions() as session:
        turn = session.get_one(Turn, posted.turn.id)
        case = session.get_one(Conversation, conv.id)
        timer = session.scalars(select(Timer).where(Timer.target_id == turn.id)).one()
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "turn.customer_added")
        ).all()
    assert turn.seq == 2 and turn.idempotency_key == "c:k-1" and turn.author_user_id is None
    assert "4242 4242" not in turn.text and "[card ending 4242]" in turn.text
    assert turn.signals == to_jsonable(cue_signals(turn.text))  # the analysis, in the INSERT
    assert turn.created_at == world.ctx.now()
    returned = posted.turn  # as the ORM left it: detached, the stored values
    assert inspect(returned).detached
    assert {c: getattr(returned, c) for c in ("id", "seq", "text", "signals", "created_at")} == {
        c: getattr(turn, c) for c in ("id", "seq", "text", "signals", "created_at")
    }
    assert case.customer_turns == 2 and case.last_customer_at == case.updated_at == turn.created_at
    assert turn.signals is not None
    assert case.upset == pytest.approx(turn.signals["upset"], abs=1e-4)
    assert timer.key == f"response_due:{turn.id}" and timer.kind is TimerKind.RESPONSE_DUE
    assert timer.status is TimerStatus.PENDING
    assert timer.due_at == turn.created_at + timedelta(minutes=5)  # chat: 5 minutes
    assert [t.id for t in posted.timers if t is not None] == [timer.id]
    last = audit[-1]
    assert (last.entity, last.entity_id, last.actor) == ("turns", str(turn.id), customer.label)
    assert last.after == {
        "conversation_id": conv.id, "seq": 2, "author_role": "customer", "author_user_id": None,
        "text": {"chars": len(turn.text)},
    }  # fmt: skip
    assert "4242" not in str(last.after) and "ridiculous" not in str(last.after)


def test_a_retry_and_a_refused_post_write_nothing(world: World) -> None:
    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    first = add_customer_turn(world.ctx, customer, conv.id, "Where is it?", idempotency_key="a")
    again = add_customer_turn(world.ctx, customer, conv.id, "Where is it?", idempotency_key="a")
    assert not again.created and again.turn.id == first.turn.id and again.turn.seq == 1
    block_customer(world.ctx, world.actor(world.supervisor), world.calm_customer.id, "abuse")
    with pytest.raises(PermissionDenied):
        add_customer_turn(world.ctx, customer, conv.id, "Let me in.")
    with world.ctx.sessions() as session:
        assert session.scalars(select(Turn.id).where(Turn.conversation_id == conv.id)).all() == [
            first.turn.id
        ]
        assert session.get_one(Conversation, conv.id).customer_turns == 1
        assert len(session.scalars(select(Timer.id)).all()) == 1


def test_a_rule_firing_anew_escalates_and_is_audited_before_the_turn(world: World) -> None:
    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    posted = add_customer_turn(world.ctx, customer, conv.id, "Get me your manager now.")
    assert [f.rule for f in posted.firings] == ["manager_requested"]
    assert posted.firings[0].escalation_id is not None
    again = add_customer_turn(world.ctx, customer, conv.id, "Get me your manager now!")
    assert again.firings == []  # once per conversation
    with world.ctx.sessions() as session:
        case = session.get_one(Conversation, conv.id)
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.in_(["conversation.escalated", "turn.customer_added"]))
            .order_by(AuditEntry.id)
        ).all()
    assert case.status is ConversationStatus.ESCALATED and case.customer_turns == 2
    assert case.assignee_id == world.supervisor.id
    assert actions == ["conversation.escalated", "turn.customer_added", "turn.customer_added"]


def test_a_customer_turn_on_a_resolved_case_reopens_it_and_its_sla_clock(world: World) -> None:
    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    add_customer_turn(world.ctx, customer, conv.id, "My order is late.")
    resolve_conversation(world.ctx, world.actor(world.agent), conv.id, "Sent a new one.")
    with world.ctx.sessions() as session:
        assert session.get_one(ConversationSla, conv.id).resolution_due_at is None
    add_customer_turn(world.ctx, customer, conv.id, "It still has not come.")
    with world.ctx.sessions() as session:
        case = session.get_one(Conversation, conv.id)
        clock = session.get_one(ConversationSla, conv.id)
    assert case.status is ConversationStatus.OPEN and case.customer_turns == 2
    assert clock.resolution_due_at is not None and clock.due_at is not None


def test_a_timer_whose_key_exists_is_not_scheduled_twice(world: World) -> None:
    conv = world.open(world.calm_customer)
    posted = add_customer_turn(
        world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, "Hello?"
    )
    due = posted.turn.created_at + timedelta(minutes=9)
    with world.ctx.sessions.begin() as session:  # the key response_due:<turn> exists already
        assert insert_timer(session, TimerKind.RESPONSE_DUE, posted.turn.id, due) is None
        fresh = insert_timer(session, TimerKind.FOLLOW_UP_DUE, posted.turn.id, due)
    assert fresh is not None
    with world.ctx.sessions() as session:
        rows = session.scalars(select(Timer).where(Timer.target_id == posted.turn.id)).all()
    assert sorted((t.kind.value, t.id == fresh.id) for t in rows) == [
        ("follow_up_due", True), ("response_due", False),
    ]  # fmt: skip


def test_saved_rules_apply_to_the_next_post_and_their_text_is_read_once_per_revision(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post looks the saved rules up by revision; the YAML is read when the revision is new."""
    monkeypatch.setattr(desk_overrides, "_cache", {})  # parsed in this test, not another's
    admin = world.actor(world.admin)
    rules = "rules:\n  - {name: any_word, event: customer_turn, when: 'customer_turns >= 1'}\n"
    save_override(world.ctx, admin, "escalation_rules", world.team.id, rules)
    seen: list[str] = []
    engine: Engine = world.ctx.sessions.kw["bind"]

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        customer = Actor.for_customer(world.calm_customer.id)
        fired = [
            add_customer_turn(world.ctx, customer, world.open(world.calm_customer).id, "Hi").firings
            for _ in range(2)
        ]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [[f.rule for f in found] for found in fired] == [["any_word"], ["any_word"]]
    texts = [s for s in seen if " ".join(s.split()).startswith("SELECT desk_overrides.text FROM")]
    assert len(texts) == 1  # by the first post of this revision; the second reads the revision
    save_override(world.ctx, admin, "escalation_rules", world.team.id, rules.replace("1", "9"))
    again = add_customer_turn(world.ctx, customer, world.open(world.calm_customer).id, "Hi")
    assert again.firings == []  # revision 2 (9 turns) applies at once, no restart
