"""huey on Redis and the shared limits, against a real `redis-server` on a loopback port.

The server is started here (like tests/conftest.py starts PostgreSQL), without persistence, and
stopped at the end; if redis-server is missing the tests fail telling you to run
`make system-deps`.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.conftest import _free_port
from tests.factories import World

from calmdesk.actions import add_customer_turn, send_agent_reply
from calmdesk.config import Settings
from calmdesk.jobs import create_huey, register_jobs
from calmdesk.storage import Timer, TimerKind, TimerStatus
from calmdesk.web.ratelimit import Limiter, LoginThrottle, RateLimited, RedisStore

PROMISE = "I'm sorry about this. I will send you the replacement by tomorrow 5pm."


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server was not found; run `make system-deps` (installs redis-server).")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _drain(huey: object, now: object) -> int:
    for task in huey.read_schedule(now):  # type: ignore[attr-defined]
        huey.enqueue(task)  # type: ignore[attr-defined]
    ran = 0
    while (task := huey.dequeue()) is not None:  # type: ignore[attr-defined]
        huey.execute(task, now)  # type: ignore[attr-defined]
        ran += 1
    return ran


def test_timers_fire_once_through_huey_on_redis(world: World, redis_url: str) -> None:
    settings = Settings(huey_backend="redis", redis_url=redis_url, _env_file=None)  # type: ignore[call-arg]
    first = register_jobs(create_huey(settings), lambda: world.ctx)
    first.huey.flush()
    world.ctx.scheduler = first.scheduler
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "Where is my parcel?")
    reply = send_agent_reply(world.ctx, world.actor(world.agent), conv.id, PROMISE)
    promise = reply.commitments[0]
    with world.ctx.sessions() as session:
        reminder = session.scalars(
            select(Timer).where(Timer.kind == TimerKind.COMMITMENT_REMINDER)
        ).one()
    first.fire.schedule(args=(reminder.id,), eta=reminder.due_at)  # a duplicate, as on a retry
    world.ctx.clock.now = promise.due_at + timedelta(seconds=1)  # type: ignore[union-attr]
    second = register_jobs(create_huey(settings), lambda: world.ctx)  # another worker, same queue
    far = promise.due_at.replace(tzinfo=None) + timedelta(days=1)
    assert _drain(second.huey, far) >= 3
    with world.ctx.sessions() as session:
        fired = session.scalars(select(Timer).where(Timer.status == TimerStatus.FIRED)).all()
    kinds = sorted(t.kind.value for t in fired)
    assert kinds == ["commitment_overdue", "commitment_reminder"]  # each exactly once


def test_limits_in_redis_hold_across_two_processes(redis_url: str) -> None:
    """Two stores (as two server processes would have) count the same chat token together."""
    settings = Settings(rate_chat_per_min=5, _env_file=None)  # type: ignore[call-arg]
    one, two = Limiter(settings, RedisStore(redis_url)), Limiter(settings, RedisStore(redis_url))
    key = f"token-{time.time_ns()}"
    while time.time() % 60 > 50:  # keep the burst inside one minute window
        time.sleep(0.5)
    allowed = 0
    for n in range(8):
        try:
            (one, two)[n % 2].check(route="POST turns", ip="10.0.0.1", chat=key)
            allowed += 1
        except RateLimited:
            pass
    assert allowed == 5


def test_login_delays_in_redis_are_shared(redis_url: str) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    a = LoginThrottle(settings, RedisStore(redis_url))
    b = LoginThrottle(settings, RedisStore(redis_url))
    name = f"user{time.time_ns()}"
    for _ in range(3):
        a.failed(name, "10.1.1.1")
    with pytest.raises(RateLimited):
        b.check(name, "10.1.1.1")
    b.check(name, "10.1.1.2")
