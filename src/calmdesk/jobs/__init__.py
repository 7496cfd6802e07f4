"""Background jobs on huey: promise reminders and overdue checks, A3 follow-ups, response timers.

Job functions are thin wrappers over `calmdesk.actions`; the worker is `calmdesk worker`.
"""

from calmdesk.jobs.queue import BACKENDS, create_huey
from calmdesk.jobs.tasks import HueyScheduler, Jobs, register_jobs
from calmdesk.jobs.worker import build_jobs, run_worker

__all__ = [
    "BACKENDS",
    "HueyScheduler",
    "Jobs",
    "build_jobs",
    "create_huey",
    "register_jobs",
    "run_worker",
]
