from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.factories import World

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    block_customer,
    send_agent_reply,
)
from calmdesk.domain import (
    CalmdeskError,
    EmptyInput,
    InputTooLarge,
    MalformedInput,
    ModelUnavailable,
    PermissionDenied,
)
from calmdesk.storage import (
    AuditEntry,
    Conversation,
    ConversationStatus,
    Timer,
    TimerKind,
    TimerStatus,
    Turn,
)


def _count(world: World, model: type) -> int:
    with world.ctx.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_add_customer_turn_stores_signals_and_updates_the_queue_summary(world: World) -> None:
    conv = world.open()
    posted = add_customer_turn(
        world.ctx,
        Actor.for_customer(world.angry_customer.id),
        conv.id,
        "My order is late again and this is ridiculous!!",
        idempotency_key="m-1",
    )
    assert posted.created and posted.turn.seq == 1
    assert posted.turn.signals is not None and posted.turn.signals["cause"] == "delivery_delay"
    with world.ctx.sessions() as session:
        stored = session.get_one(Conversation, conv.id)
        audit = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert stored.customer_turns == 1 and stored.cause == "delivery_delay"
    assert stored.upset == pytest.approx(posted.turn.signals["upset"])
    assert audit[-1] == "turn.customer_added"


@pytest.mark.parametrize("send", [add_customer_turn, send_agent_reply])
def test_posting_twice_with_one_idempotency_key_stores_one_turn(world: World, send: object) -> None:
    conv = world.open()
    actor = world.actor(world.agent)
    first = send(world.ctx, actor, conv.id, "Where is my order?", idempotency_key="same")  # type: ignore[operator]
    audits = _count(world, AuditEntry)
    again = send(world.ctx, actor, conv.id, "Where is my order?", idempotency_key="same")  # type: ignore[operator]
    assert first.created and not again.created
    assert again.turn.id == first.turn.id
    assert _count(world, Turn) == 1 and _count(world, AuditEntry) == audits


def test_idempotency_keys_are_scoped_to_one_conversation(world: World) -> None:
    one, two = world.open(), world.open(world.calm_customer)
    actor = world.actor(world.agent)
    a = add_customer_turn(world.ctx, actor, one.id, "hello", idempotency_key="k")
    b = add_customer_turn(world.ctx, actor, two.id, "hello", idempotency_key="k")
    assert a.created and b.created and a.turn.id != b.turn.id


@pytest.mark.parametrize(
    ("text", "key", "error"),
    [
        ("", None, EmptyInput),
        ("   \n\t", None, EmptyInput),
        ("a\x00b", None, MalformedInput),
        (12345, None, MalformedInput),
        (b"\xff\xfe", None, MalformedInput),
        ("x" * 20_001, None, InputTooLarge),
        ("fine", "", MalformedInput),
        ("fine", "k" * 201, MalformedInput),
        ("fine", ["not", "text"], MalformedInput),
    ],
)
def test_add_customer_turn_refuses_bad_input_and_writes_nothing(
    world: World, text: object, key: object, error: type[CalmdeskError]
) -> None:
    conv = world.open()
    audits = _count(world, AuditEntry)
    with pytest.raises(error):
        add_customer_turn(world.ctx, world.actor(world.agent), conv.id, text, idempotency_key=key)  # type: ignore[arg-type]
    assert _count(world, Turn) == 0 and _count(world, AuditEntry) == audits


def test_blocked_customer_cannot_post(world: World) -> None:
    conv = world.open()
    block_customer(world.ctx, world.actor(world.supervisor), world.angry_customer.id, "threats")
    with pytest.raises(PermissionDenied):
        add_customer_turn(world.ctx, Actor.for_customer(world.angry_customer.id), conv.id, "hi")


def test_send_agent_reply_stores_review_and_creates_promises_with_timers(world: World) -> None:
    conv = world.open(world.calm_customer)
    first = add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "My order is late!!")
    reply = send_agent_reply(
        world.ctx,
        world.actor(world.agent),
        conv.id,
        "I'm sorry the order is late. I will send you the tracking number by tomorrow 5pm.",
    )
    assert reply.turn.review is not None and 0 <= reply.turn.review["score"] <= 100
    assert [c.action for c in reply.commitments] and reply.commitments[0].due_at is not None
    with world.ctx.sessions() as session:
        timers = {(t.kind, t.status) for t in session.scalars(select(Timer))}
        stored = session.get_one(Conversation, conv.id)
    assert (TimerKind.COMMITMENT_OVERDUE, TimerStatus.PENDING) in timers
    assert (TimerKind.COMMITMENT_REMINDER, TimerStatus.PENDING) in timers
    assert (TimerKind.RESPONSE_DUE, TimerStatus.CANCELLED) in timers
    assert stored.status is ConversationStatus.PENDING and stored.assignee_id == world.agent.id
    assert first.turn.id != reply.turn.id


def test_customers_cannot_send_agent_replies(world: World) -> None:
    conv = world.open()
    with pytest.raises(PermissionDenied):
        send_agent_reply(world.ctx, Actor.for_customer(world.angry_customer.id), conv.id, "hi")


class _NoModels:
    """An analyzer whose model files are missing."""

    def analyze(self, conversation: object) -> object:
        raise ModelUnavailable("heads.npz is missing")

    def review(self, *args: object) -> object:
        raise AssertionError("not used")


def test_customer_turn_is_kept_when_the_models_are_missing(world: World) -> None:
    world.ctx.analyzer = _NoModels()  # type: ignore[assignment]
    conv = world.open(world.calm_customer)
    posted = add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "Hello?")
    assert posted.created and posted.turn.signals == {
        "unavailable": {"code": "E601", "message": "heads.npz is missing"}
    }
    with world.ctx.sessions() as session:
        assert session.get_one(Conversation, conv.id).customer_turns == 1
