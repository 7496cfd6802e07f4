"""Building the jobs for an entry point, and running the huey consumer in-process."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from huey import Huey
from huey.consumer import Consumer

from calmdesk.actions import ActionContext
from calmdesk.config import Settings
from calmdesk.jobs.queue import create_huey
from calmdesk.jobs.tasks import Jobs, register_jobs
from calmdesk.storage import make_engine, make_session_factory

__all__ = ["build_jobs", "run_worker"]


def build_jobs(settings: Settings) -> Jobs:
    """The queue and tasks for `settings`; the ActionContext is built on first use."""
    huey = create_huey(settings)
    jobs: Jobs | None = None

    @cache
    def context() -> ActionContext:
        sessions = make_session_factory(
            make_engine(
                settings.database_url,
                synchronous=settings.sqlite_synchronous,
                write_wait_s=settings.sqlite_write_wait_s,
            )
        )
        assert jobs is not None
        return ActionContext(sessions, settings, scheduler=jobs.scheduler)

    jobs = register_jobs(huey, context)
    return jobs


def run_worker(
    settings: Settings, workers: int = 1, *, setup: Callable[[Huey], None] | None = None
) -> None:
    """Consume jobs until interrupted (Ctrl-C or SIGTERM stop it cleanly).

    `setup` registers more tasks on the queue first (the CLI passes the email channel's)."""
    jobs = build_jobs(settings)
    if setup is not None:
        setup(jobs.huey)
    consumer = Consumer(jobs.huey, workers=workers, worker_type="thread", periodic=True)
    consumer.run()
