"""Job functions: thin wrappers over the timer actions, plus the scheduler actions hand timers to.

`fire_timer` runs at each timer's due time; `sweep_timers` runs every minute and fires anything
due that was missed (a queue lost, a worker down). Both go through `actions.fire_timer`, which
claims the timer row first, so a retry or a second worker cannot fire it twice. `sweep_slas`
runs every minute and writes SLA warnings and breaches, each once (`actions.sla`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from huey import Huey, crontab

from calmdesk.actions import ActionContext, fire_due_timers, fire_timer

__all__ = ["HueyScheduler", "Jobs", "register_jobs"]


@dataclass
class Jobs:
    huey: Huey
    fire: Any  # huey TaskWrapper: fire(timer_id)
    sweep: Any  # huey periodic TaskWrapper
    retention: Any = None  # huey periodic TaskWrapper: every team's retention, daily
    sla_sweep: Any = None  # huey periodic TaskWrapper: SLA warnings and breaches (actions.sla)

    @property
    def scheduler(self) -> HueyScheduler:
        return HueyScheduler(self)


class HueyScheduler:
    """`actions.Scheduler` that enqueues `fire(timer_id)` with the timer's due time as eta."""

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs

    def schedule(self, timer_id: int, due_at: datetime) -> None:
        self.jobs.fire.schedule(args=(timer_id,), eta=due_at)


def register_jobs(huey: Huey, context: Callable[[], ActionContext]) -> Jobs:
    """Register calmdesk's tasks on `huey`; `context` builds (or returns) the ActionContext."""

    @huey.task(name="calmdesk.fire_timer")  # type: ignore[untyped-decorator]
    def fire(timer_id: int) -> str:
        return fire_timer(context(), timer_id)

    @huey.periodic_task(crontab(minute="*"), name="calmdesk.sweep_timers")  # type: ignore[untyped-decorator]
    def sweep() -> int:
        return fire_due_timers(context())

    from calmdesk.jobs.qa import register_qa_jobs  # issue 12: scorecards after resolution

    register_qa_jobs(huey, context)

    @huey.periodic_task(crontab(minute="17", hour="3"), name="calmdesk.retention")  # type: ignore[untyped-decorator]
    def retention() -> dict[str, int]:
        from calmdesk.actions import Actor
        from calmdesk.actions.privacy import apply_retention

        report = apply_retention(context(), Actor.system("retention"))
        return {"anonymised": report.anonymised, "deleted": report.deleted}

    @huey.periodic_task(crontab(minute="*"), name="calmdesk.sweep_slas")  # type: ignore[untyped-decorator]
    def sla_sweep() -> int:
        from calmdesk.actions.sla import sweep_slas

        done = sweep_slas(context())
        return done.warned + done.breached

    return Jobs(huey=huey, fire=fire, sweep=sweep, retention=retention, sla_sweep=sla_sweep)
