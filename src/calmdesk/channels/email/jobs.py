"""The worker's share of email: fetch every mailbox, queue and send mail, every N seconds.

`calmdesk worker` registers one huey task, `calmdesk.mail_poll`, that runs a round and then
schedules itself again after `CALMDESK_MAIL_POLL_S` seconds. Each worker start begins a new
generation (kept in huey's store); a round of an older generation ends the old chain, so restarts
never pile up parallel chains. Sending has its own retries and backoff on each queued row.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from huey import Huey

from calmdesk.actions.context import ActionContext
from calmdesk.config import Settings
from calmdesk.domain.errors import CalmdeskError

__all__ = ["MailWorkerSetup", "mail_round", "mail_worker_setup"]

log = logging.getLogger("calmdesk.mail")
_GENERATION = "calmdesk.mail_poll.generation"


def mail_round(ctx: ActionContext) -> dict[str, Any]:
    """One round: fetch the mailboxes, queue what email cases need sent, send what is due."""
    from calmdesk.channels.email.imap import fetch_all
    from calmdesk.channels.email.smtp import send_pending

    fetched = [r.as_dict() for r in fetch_all(ctx)] if ctx.settings.mailboxes else []
    sent = send_pending(ctx).as_dict()
    return {"fetched": fetched, "sent": sent}


class MailWorkerSetup:
    """What `run_worker` calls with its huey: register the task and start this generation.

    The round's action context (its own engine) is made on first use; `close()` disposes it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ctx: ActionContext | None = None
        self._engine: Any = None

    def context(self) -> ActionContext:
        if self._ctx is None:
            from calmdesk.storage import make_engine, make_session_factory

            self._engine = make_engine(self.settings.database_url)
            self._ctx = ActionContext(make_session_factory(self._engine), self.settings)
        return self._ctx

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._ctx = self._engine = None

    def __call__(self, huey: Huey) -> None:
        settings, context = self.settings, self.context

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


def mail_worker_setup(settings: Settings) -> MailWorkerSetup:
    """The setup `calmdesk worker` hands to `run_worker`."""
    return MailWorkerSetup(settings)
