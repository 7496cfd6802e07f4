"""The worker's share of email: fetch every mailbox, queue and send mail, every N seconds.

`calmdesk worker` registers one huey task, `calmdesk.mail_poll`, that runs a round and then
schedules itself again after `CALMDESK_MAIL_POLL_S` seconds. Each worker start begins a new
generation (kept in huey's store); a round of an older generation ends the old chain, so restarts
never pile up parallel chains. Sending has its own retries and backoff on each queued row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from huey import Huey

from calmdesk.actions.context import ActionContext
from calmdesk.config import Settings
from calmdesk.domain.errors import CalmdeskError

__all__ = ["mail_round", "mail_worker_setup"]

log = logging.getLogger("calmdesk.mail")
_GENERATION = "calmdesk.mail_poll.generation"


def mail_round(ctx: ActionContext) -> dict[str, Any]:
    """One round: fetch the mailboxes, queue what email cases need sent, send what is due."""
    from calmdesk.channels.email.imap import fetch_all
    from calmdesk.channels.email.smtp import send_pending

    fetched = [r.as_dict() for r in fetch_all(ctx)] if ctx.settings.mailboxes else []
    sent = send_pending(ctx).as_dict()
    return {"fetched": fetched, "sent": sent}


def mail_worker_setup(settings: Settings) -> Callable[[Huey], None]:
    """What `run_worker` calls with its huey: register the task and start this generation."""

    @cache
    def context() -> ActionContext:
        from calmdesk.storage import make_engine, make_session_factory

        return ActionContext(make_session_factory(make_engine(settings.database_url)), settings)

    def setup(huey: Huey) -> None:
        @huey.task(name="calmdesk.mail_poll")  # type: ignore[untyped-decorator]
        def poll(generation: str) -> None:
            if huey.get(_GENERATION, peek=True) != generation:
                return  # a newer worker start owns the chain
            try:
                outcome = mail_round(context())
                log.info("mail round: %s", outcome)
            except CalmdeskError as err:
                log.warning("mail round: %s", err)
            finally:
                poll.schedule(args=(generation,), delay=max(1, settings.mail_poll_s))

        generation = uuid.uuid4().hex
        huey.put(_GENERATION, generation)
        poll(generation)

    return setup
