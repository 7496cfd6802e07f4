from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.factories import PASSWORD, World

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    add_note,
    authenticate,
    block_customer,
    complete_commitment,
    complete_follow_up,
    create_api_token,
    create_user,
    escalate,
    mark_customer_told,
    open_conversation,
    record_action_taken,
    resolve_conversation,
    schedule_follow_up,
    send_agent_reply,
    unblock_customer,
    warn_customer,
)
from calmdesk.domain import (
    CalmdeskError,
    Conflict,
    EmptyInput,
    InputError,
    NotFound,
    PermissionDenied,
    UnsupportedValue,
)
from calmdesk.storage import (
    ApiToken,
    AuditEntry,
    CommitmentStatus,
    ConversationStatus,
    CustomerStanding,
    Timer,
    TimerKind,
    TimerStatus,
)


def _audit(world: World, action: str) -> list[AuditEntry]:
    with world.ctx.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_resolve_records_the_outcome_and_schedules_the_follow_up(world: World) -> None:
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "Thanks, all good now.")
    resolved, follow_up = resolve_conversation(
        world.ctx, world.actor(world.agent), conv.id, "Replacement sent."
    )
    assert resolved.status is ConversationStatus.RESOLVED and resolved.outcome
    assert follow_up.due_at - world.ctx.now() == timedelta(hours=48)
    entry = _audit(world, "conversation.resolved")[0]
    assert entry.before is not None and entry.before["status"] == "open"
    assert entry.after is not None and entry.after["status"] == "resolved"
    assert entry.actor == "user:cal" and entry.actor_user_id == world.agent.id
    done = complete_follow_up(world.ctx, world.actor(world.agent), follow_up.id, "Happy now.")
    assert done.done and done.outcome == "Happy now."
    with world.ctx.sessions() as session:
        timers = {t.kind: t.status for t in session.scalars(select(Timer))}
    assert timers == {
        TimerKind.FOLLOW_UP_DUE: TimerStatus.CANCELLED,
        TimerKind.RESPONSE_DUE: TimerStatus.CANCELLED,  # no reply is owed on a resolved case
    }


def test_resolving_twice_is_a_conflict(world: World) -> None:
    conv = world.open(world.calm_customer)
    resolve_conversation(world.ctx, world.actor(world.agent), conv.id, "Done.")
    with pytest.raises(Conflict):
        resolve_conversation(world.ctx, world.actor(world.agent), conv.id, "Done again.")


def test_a_customer_message_reopens_a_resolved_or_pending_conversation(world: World) -> None:
    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    send_agent_reply(world.ctx, world.actor(world.agent), conv.id, "Could you send a photo?")
    with world.ctx.sessions() as session:
        statuses = [session.get_one(type(conv), conv.id).status]
    add_customer_turn(world.ctx, customer, conv.id, "Here it is.")
    resolve_conversation(world.ctx, world.actor(world.agent), conv.id, "Done.")
    add_customer_turn(world.ctx, customer, conv.id, "Not yet!")
    with world.ctx.sessions() as session:
        statuses.append(session.get_one(type(conv), conv.id).status)
    assert statuses == [ConversationStatus.PENDING, ConversationStatus.OPEN]


def test_keeping_a_promise_and_telling_the_customer(world: World) -> None:
    conv = world.open(world.calm_customer)
    reply = send_agent_reply(
        world.ctx,
        world.actor(world.agent),
        conv.id,
        "I'm sorry. I will send you the invoice by Friday.",
    )
    promise = reply.commitments[0]
    with pytest.raises(Conflict):
        mark_customer_told(world.ctx, world.actor(world.agent), promise.id)
    done = complete_commitment(world.ctx, world.actor(world.agent), promise.id)
    assert done.status is CommitmentStatus.DONE and not done.customer_told
    told = mark_customer_told(world.ctx, world.actor(world.agent), promise.id)
    assert told.customer_told
    with world.ctx.sessions() as session:
        statuses = {t.status for t in session.scalars(select(Timer)) if t.target_id == promise.id}
    assert TimerStatus.PENDING not in statuses


def test_manual_escalation_to_a_team_keeps_a_hand_off_summary(world: World) -> None:
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "The parcel is late again")
    row = escalate(
        world.ctx,
        world.actor(world.agent),
        conv.id,
        "Needs billing",
        to_team_id=world.other_team.id,
    )
    assert row.to_team_id == world.other_team.id and row.to_user_id is None
    assert "The parcel is late again" in row.summary and "Why: Needs billing" in row.summary


def test_standing_changes_need_a_reason_and_blocks_need_a_supervisor(world: World) -> None:
    customer_id = world.calm_customer.id
    with pytest.raises(EmptyInput):
        warn_customer(world.ctx, world.actor(world.agent), customer_id, "  ")
    warned = warn_customer(world.ctx, world.actor(world.agent), customer_id, "Insults.")
    assert warned.standing is CustomerStanding.WARNED and warned.warnings_count == 1
    with pytest.raises(PermissionDenied):
        block_customer(world.ctx, world.actor(world.agent), customer_id, "Abuse.")
    blocked = block_customer(world.ctx, world.actor(world.supervisor), customer_id, "Abuse.")
    assert blocked.standing is CustomerStanding.BLOCKED and blocked.blocked_at is not None
    with pytest.raises(PermissionDenied):
        world.open(world.calm_customer)
    lifted = unblock_customer(world.ctx, world.actor(world.supervisor), customer_id, "Apologised.")
    assert lifted.standing is CustomerStanding.GOOD and lifted.blocked_at is None
    assert [e.after["standing"] for e in _audit(world, "customer.blocked")] == ["blocked"]  # type: ignore[index]


def test_notes_and_actions_taken_are_recorded(world: World) -> None:
    conv = world.open(world.calm_customer)
    note = add_note(
        world.ctx, world.actor(world.agent), "Called the courier.", conversation_id=conv.id
    )
    taken = record_action_taken(
        world.ctx, world.actor(world.agent), conv.id, "refund_issued", "20 EUR"
    )
    assert note.id and taken.id
    assert len(_audit(world, "note.added")) == 1 and len(_audit(world, "action.recorded")) == 1
    with pytest.raises(InputError):
        add_note(
            world.ctx,
            world.actor(world.agent),
            "Both?",
            conversation_id=conv.id,
            customer_id=world.calm_customer.id,
        )


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda w: w.open(channel="fax"), UnsupportedValue),
        (lambda w: open_conversation(w.ctx, ADMIN, customer_id=999, channel="chat"), NotFound),
        (lambda w: add_customer_turn(w.ctx, ADMIN, 999, "hello"), NotFound),
        (lambda w: complete_commitment(w.ctx, ADMIN, 999), NotFound),
        (lambda w: escalate(w.ctx, ADMIN, 999, "why"), NotFound),
        (lambda w: schedule_follow_up(w.ctx, ADMIN, 1, datetime(2026, 1, 1)), InputError),  # noqa: DTZ001
        (
            lambda w: create_user(w.ctx, ADMIN, username="x", password="short", role="agent"),
            InputError,
        ),
        (
            lambda w: create_user(w.ctx, ADMIN, username="y", password=PASSWORD, role="boss"),
            UnsupportedValue,
        ),
        (
            lambda w: create_user(w.ctx, ADMIN, username="cal", password=PASSWORD, role="agent"),
            Conflict,
        ),
        (
            lambda w: create_user(
                w.ctx, Actor.for_user(w.agent), username="z", password=PASSWORD, role="admin"
            ),
            PermissionDenied,
        ),
    ],
)
def test_actions_refuse_bad_requests_with_clear_errors(
    world: World, call: object, error: type[CalmdeskError]
) -> None:
    with pytest.raises(error) as caught:
        call(world)  # type: ignore[operator]
    assert caught.value.message and not caught.value.message.startswith("E")


ADMIN = Actor.system("tests")


def test_authenticate_checks_the_password(world: World) -> None:
    assert authenticate(world.ctx, "CAL", PASSWORD).id == world.agent.id
    for username, password in [("cal", "wrong password"), ("nobody", PASSWORD)]:
        with pytest.raises(PermissionDenied):
            authenticate(world.ctx, username, password)


def test_api_tokens_are_stored_hashed(world: World) -> None:
    token, row = create_api_token(world.ctx, ADMIN, world.agent.id, "crm sync")
    assert token.startswith("cdk_") and token[:10] == row.prefix
    with world.ctx.sessions() as session:
        stored = session.scalars(select(ApiToken)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert "token_hash" not in (_audit(world, "api_token.created")[0].after or {})


def test_follow_up_can_be_scheduled_by_hand(world: World) -> None:
    conv = world.open(world.calm_customer)
    when = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    row = schedule_follow_up(world.ctx, world.actor(world.agent), conv.id, when)
    assert row.due_at == when and not row.done
