"""A real `calmdesk worker` killed with SIGKILL and started again fires a due timer once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.factories import World

from calmdesk.actions import schedule_follow_up
from calmdesk.config import Settings
from calmdesk.jobs import create_huey, register_jobs
from calmdesk.storage import AuditEntry, Timer, TimerStatus, utcnow

pytestmark = pytest.mark.slow


def _worker(db_url: str, queue: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CALMDESK_DATABASE_URL": db_url, "CALMDESK_HUEY_PATH": str(queue)}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "calmdesk.cli", "worker"], env=env, stdout=out, stderr=out
        )


def _fired(world: World) -> int:
    with world.ctx.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == "follow_up.due")
        return len(session.scalars(query).all())


def test_worker_killed_and_restarted_fires_a_due_timer_once(
    world: World, db_url: str, tmp_path: Path
) -> None:
    queue, log = tmp_path / "jobs.db", tmp_path / "worker.log"
    jobs = register_jobs(create_huey(Settings(huey_path=queue)), lambda: world.ctx)
    world.ctx.clock, world.ctx.scheduler = utcnow, jobs.scheduler
    conv = world.open(world.calm_customer)
    row = schedule_follow_up(
        world.ctx, world.actor(world.agent), conv.id, utcnow() + timedelta(seconds=4)
    )
    with world.ctx.sessions() as session:
        timer = session.scalars(select(Timer)).one()
    jobs.fire.schedule(args=(timer.id,), eta=row.due_at)  # a duplicate, as after a retry
    first = _worker(db_url, queue, log)
    time.sleep(2)
    first.send_signal(signal.SIGKILL)  # dies before the timer is due
    first.wait(timeout=10)
    second = _worker(db_url, queue, log)
    try:
        deadline = time.monotonic() + 40
        while _fired(world) == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2)  # let the duplicate run too
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=20)
    assert _fired(world) == 1, log.read_text()
    with world.ctx.sessions() as session:
        fired = session.get_one(Timer, timer.id)
    assert fired.status is TimerStatus.FIRED and fired.attempts == 1
