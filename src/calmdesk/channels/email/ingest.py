"""One message in: parse it, keep the raw message (redacted), hand it to `ingest_mail`."""

from __future__ import annotations

import dataclasses

from calmdesk.actions.context import ActionContext
from calmdesk.actions.mail import Delivered, ingest_mail
from calmdesk.channels.email.parse import parse_message
from calmdesk.channels.email.raw import save_raw

__all__ = ["deliver_bytes"]


def deliver_bytes(ctx: ActionContext, raw: bytes, *, team: str | None = None) -> Delivered:
    """Store one RFC 5322 message once; MailRefused (and its kinds) when it is not stored."""
    mail = parse_message(raw, ctx.settings)
    mail = dataclasses.replace(mail, raw_file=save_raw(raw, ctx.settings))
    return ingest_mail(ctx, mail, team=team)
