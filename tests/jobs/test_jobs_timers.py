from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.factories import FixedClock, World

from calmdesk.actions import (
    add_customer_turn,
    fire_due_timers,
    fire_timer,
    send_agent_reply,
    timer_handlers,
)
from calmdesk.config import Settings
from calmdesk.domain import ConfigError
from calmdesk.jobs import create_huey, register_jobs
from calmdesk.storage import (
    AuditEntry,
    Commitment,
    CommitmentStatus,
    Conversation,
    ConversationStatus,
    Priority,
    RuleFiring,
    Timer,
    TimerKind,
    TimerStatus,
)

PROMISE = "I'm sorry about this. I will send you the replacement by tomorrow 5pm."


def _promise(world: World) -> tuple[int, Commitment]:
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "Where is my parcel?")
    reply = send_agent_reply(world.ctx, world.actor(world.agent), conv.id, PROMISE)
    assert reply.commitments, "the review found no promise in the reply"
    return conv.id, reply.commitments[0]


def _timer(world: World, kind: TimerKind) -> Timer:
    with world.ctx.sessions() as session:
        return session.scalars(select(Timer).where(Timer.kind == kind)).one()


def _audits(world: World, action: str) -> int:
    with world.ctx.sessions() as session:
        return len(session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all())


def _advance_past(world: World, when: object) -> None:
    clock = world.ctx.clock
    assert isinstance(clock, FixedClock)
    clock.now = when + timedelta(seconds=1)  # type: ignore[operator]


def test_fire_timer_fires_a_due_reminder_exactly_once(world: World) -> None:
    _, promise = _promise(world)
    timer = _timer(world, TimerKind.COMMITMENT_REMINDER)
    assert fire_timer(world.ctx, timer.id) == "skipped"  # not due yet
    _advance_past(world, timer.due_at)
    assert [fire_timer(world.ctx, timer.id) for _ in range(3)] == ["fired", "skipped", "skipped"]
    assert _audits(world, "commitment.reminder_due") == 1
    with world.ctx.sessions() as session:
        assert session.get_one(Commitment, promise.id).reminded_at is not None


def test_overdue_promise_is_marked_broken_and_escalated(world: World) -> None:
    conv_id, promise = _promise(world)
    _advance_past(world, promise.due_at)
    assert fire_due_timers(world.ctx) == 2  # the reminder and the overdue check
    with world.ctx.sessions() as session:
        assert session.get_one(Commitment, promise.id).status is CommitmentStatus.BROKEN
        conv = session.get_one(Conversation, conv_id)
        firing = session.scalars(select(RuleFiring)).one()
    assert conv.status is ConversationStatus.ESCALATED and conv.assignee_id == world.supervisor.id
    assert firing.rule == "promise_overdue" and firing.escalation_id is not None


def test_failing_timer_records_the_error_and_gives_up_after_three_attempts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, promise = _promise(world)

    def broken(*_: object) -> None:
        raise RuntimeError("mail server down")

    monkeypatch.setitem(timer_handlers.HANDLERS, TimerKind.COMMITMENT_REMINDER, broken)
    timer = _timer(world, TimerKind.COMMITMENT_REMINDER)
    _advance_past(world, timer.due_at)
    outcomes = [fire_timer(world.ctx, timer.id) for _ in range(4)]
    failed = _timer(world, TimerKind.COMMITMENT_REMINDER)
    assert outcomes == ["failed", "failed", "failed", "skipped"]
    assert failed.status is TimerStatus.FAILED and failed.attempts == 3
    assert "mail server down" in failed.last_error
    assert _audits(world, "commitment.reminder_due") == 0


def test_response_timer_raises_priority_when_nobody_answers(world: World) -> None:
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "Hello, anyone there?")
    timer = _timer(world, TimerKind.RESPONSE_DUE)
    assert timer.due_at - world.ctx.now() == timedelta(minutes=5)  # chat, from the rules file
    _advance_past(world, timer.due_at)
    assert fire_due_timers(world.ctx) == 1
    with world.ctx.sessions() as session:
        stored = session.get_one(Conversation, conv.id)
    assert stored.priority is Priority.HIGH and stored.meta["response_breaches"] == 1


def _drain(huey: object, now: object, limit: int | None = None) -> int:
    """Move due scheduled tasks to the queue and run up to `limit` of them, as a consumer does."""
    for task in huey.read_schedule(now):  # type: ignore[attr-defined]
        huey.enqueue(task)  # type: ignore[attr-defined]
    ran = 0
    while limit is None or ran < limit:
        task = huey.dequeue()  # type: ignore[attr-defined]
        if task is None:
            break
        huey.execute(task, now)  # type: ignore[attr-defined]
        ran += 1
    return ran


def test_due_reminder_fires_once_across_a_worker_restart(world: World, tmp_path: Path) -> None:
    settings = Settings(huey_backend="sqlite", huey_path=tmp_path / "jobs.db")
    first = register_jobs(create_huey(settings), lambda: world.ctx)
    world.ctx.scheduler = first.scheduler
    _, promise = _promise(world)
    reminder = _timer(world, TimerKind.COMMITMENT_REMINDER)
    first.fire.schedule(args=(reminder.id,), eta=reminder.due_at)  # a duplicate, as after a retry
    _advance_past(world, promise.due_at)
    far = promise.due_at.replace(tzinfo=None) + timedelta(days=1)
    assert _drain(first.huey, far, limit=1) == 1  # the first worker dies after one task
    second = register_jobs(create_huey(settings), lambda: world.ctx)  # a fresh worker process
    # queued: the response timer (cancelled by the reply), reminder, overdue check, duplicate
    assert _drain(second.huey, far) == 3
    assert _audits(world, "commitment.reminder_due") == 1
    assert _audits(world, "commitment.broken") == 1
    assert _timer(world, TimerKind.COMMITMENT_REMINDER).attempts == 1


@pytest.mark.parametrize(("backend", "redis_url"), [("redis", None), ("rabbit", None), ("", None)])
def test_create_huey_refuses_unusable_settings(backend: str, redis_url: str | None) -> None:
    with pytest.raises(ConfigError):
        create_huey(Settings(huey_backend=backend, redis_url=redis_url))


def test_memory_queue_runs_jobs_immediately(world: World) -> None:
    jobs = register_jobs(create_huey(Settings(huey_backend="memory")), lambda: world.ctx)
    _, promise = _promise(world)
    _advance_past(world, promise.due_at)
    jobs.sweep()  # immediate mode: runs now, in this thread
    assert _audits(world, "commitment.reminder_due") == 1
    assert _audits(world, "commitment.broken") == 1
