"""Email commands: `mail deliver` (an MTA's pipe), `mail fetch` (IMAP), `mail send-pending`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from calmdesk.cli.common import action_context, coded_errors
from calmdesk.config import Settings
from calmdesk.domain.errors import ConfigError, MailboxUnavailable, MailRefused

__all__ = ["register"]

mail_app = typer.Typer(help="Email in and out (docs/intake.md).", no_args_is_help=True)


@mail_app.command("deliver")
def deliver(
    team: Annotated[str | None, typer.Option(help="Team of a new conversation.")] = None,
) -> None:
    """Store one RFC 5322 message read on stdin; prints one JSON line (exit 2 when refused)."""
    from calmdesk.channels.email.ingest import deliver_bytes

    settings = Settings()
    with coded_errors():
        raw = sys.stdin.buffer.read(settings.mail_max_bytes + 1)
        if len(raw) > settings.mail_max_bytes:
            raise MailRefused(
                f"The message is over {settings.mail_max_bytes} bytes "
                "(CALMDESK_MAIL_MAX_BYTES); it was not stored."
            )
        with action_context(settings) as ctx:
            result = deliver_bytes(ctx, raw, team=team)
    typer.echo(json.dumps({"conversation_id": result.conversation_id,
                           "turn_id": result.turn_id, "created": result.created}))  # fmt: skip


@mail_app.command("fetch")
def fetch() -> None:
    """Fetch new mail from every mailbox in CALMDESK_MAILBOXES once; one JSON line each."""
    from calmdesk.channels.email.imap import fetch_all

    settings = Settings()
    with coded_errors():
        if not settings.mailboxes:
            raise ConfigError("No mailbox is configured; set CALMDESK_MAILBOXES (docs/intake.md).")
    with coded_errors(), action_context(settings) as ctx:
        reports = fetch_all(ctx)
        for report in reports:
            typer.echo(json.dumps(report.as_dict()))
        unreachable = [r for r in reports if r.errors and not r.fetched]
        if reports and len(unreachable) == len(reports):
            raise MailboxUnavailable("; ".join(r.errors[0] for r in unreachable)[:1000])


@mail_app.command("send-pending")
def send_pending() -> None:
    """Queue the mail email cases need and try each queued message once; then exit."""
    from calmdesk.channels.email.smtp import send_pending as send

    settings = Settings()
    with coded_errors():
        if not settings.smtp_url:
            raise ConfigError("Set CALMDESK_SMTP_URL (smtp://user:pass@host:587 or smtps://...).")
    with coded_errors(), action_context(settings) as ctx:
        report = send(ctx, ignore_backoff=True)
    typer.echo(json.dumps(report.as_dict()))


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(mail_app, name="mail")
