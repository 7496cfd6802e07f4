"""Trust commands: users list/disable/passwd, tokens list/revoke, sessions, retention, erasure.

calmdesk users list                 everyone, with role, team and whether they may log in
calmdesk users disable NAME         no more logins; sessions ended, API tokens revoked
calmdesk users passwd NAME          a new password (prompted); the user's sessions end
calmdesk tokens list [--user NAME]  API tokens with their last use
calmdesk tokens revoke ID           revoke one API token at once
calmdesk retention run              apply every team's retention now
calmdesk customers erase ID         erase one customer on request (the audit keeps that)
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from calmdesk.cli.common import action_context, coded_errors
from calmdesk.cli.tables import Col, print_rows, when
from calmdesk.cli.web_cmds import tokens_app, users_app
from calmdesk.config import Settings
from calmdesk.domain.errors import NotFound

if TYPE_CHECKING:
    from calmdesk.actions import ActionContext
    from calmdesk.storage import User

__all__ = ["register"]

retention_app = typer.Typer(help="Deleting or anonymising old conversations.", no_args_is_help=True)
customers_app = typer.Typer(help="Customers' personal data.", no_args_is_help=True)
_CLI = "cli"


def _user(ctx: ActionContext, username: str) -> User:
    from sqlalchemy import select

    from calmdesk.storage import User

    with ctx.sessions() as session:
        user = session.scalars(select(User).where(User.username == username.lower())).first()
    if user is None:
        raise NotFound(f"No user named {username!r}; see `calmdesk users list`.")
    return user


def _terminal() -> bool:
    """Whether a person reads stdout (a table at any width), rather than a script (TSV)."""
    return sys.stdout.isatty()


def _when(value: datetime | None, terminal: bool) -> str:
    """ISO-8601 for scripts; the CLI's one time format (in UTC) on a terminal."""
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # stored as UTC
    return when(value, "UTC") if terminal else value.isoformat(timespec="seconds")


@users_app.command("list")
def users_list() -> None:
    """Everyone who can log in (or could), one a line."""
    from sqlalchemy import select

    from calmdesk.storage import User

    with coded_errors(), action_context(Settings()) as ctx:
        with ctx.sessions() as session:
            users = list(session.scalars(select(User).order_by(User.id)))
            rows = [
                (u.id, u.username, u.role.value, u.team.name if u.team else "-",
                 "active" if u.is_active else "disabled")
                for u in users
            ]  # fmt: skip
    columns = (Col("id", "short"), Col("username", "clip"), Col("role", "short"), Col("team"))
    print_rows("Users", (*columns, Col("state", "short")), rows, _terminal())


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="The user to disable.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit as a length only).")] = "",
) -> None:
    """Disable a user: no more logins, every session ended, every API token revoked."""
    from calmdesk.actions import Actor
    from calmdesk.actions.people import deactivate_user

    with coded_errors(), action_context(Settings()) as ctx:
        user = deactivate_user(ctx, Actor.system(_CLI), _user(ctx, username).id, reason)
    typer.echo(f"disabled {user.username} (id {user.id}); sessions ended, API tokens revoked")


@users_app.command("passwd")
def users_passwd(
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Set a user's password; every session of theirs ends."""
    from calmdesk.actions import Actor
    from calmdesk.actions.people import change_password

    with coded_errors(), action_context(Settings()) as ctx:
        user = change_password(ctx, Actor.system(_CLI), _user(ctx, username).id, password)
    typer.echo(f"password changed for {user.username}; their sessions ended")


@tokens_app.command("list")
def tokens_list(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
) -> None:
    """API tokens with their owner, last use and whether they are revoked (never the token)."""
    from calmdesk.actions.sessions import list_api_tokens

    terminal = _terminal()
    with coded_errors(), action_context(Settings()) as ctx:
        owner = _user(ctx, user).id if user else None
        with ctx.sessions() as session:
            rows = [
                (t.id, t.user.username, t.name, t.prefix, _when(t.created_at, terminal),
                 _when(t.last_used_at, terminal), "revoked" if t.revoked_at else "active")
                for t in list_api_tokens(session, owner)
            ]  # fmt: skip
    columns = [Col("id", "short"), Col("user", "clip"), Col("name"), Col("prefix", "short")]
    columns += [Col("created"), Col("last used"), Col("state", "short")]
    print_rows("API tokens", columns, rows, terminal)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="From `tokens list`.")],
) -> None:
    """Revoke an API token: it stops working at once, in every server process."""
    from calmdesk.actions import Actor
    from calmdesk.actions.sessions import revoke_api_token

    with coded_errors(), action_context(Settings()) as ctx:
        row = revoke_api_token(ctx, Actor.system(_CLI), token_id)
    typer.echo(f"revoked token {row.id} ({row.prefix}...)")


@retention_app.command("run")
def retention_run() -> None:
    """Delete or anonymise conversations older than their team's retention (see docs/privacy.md)."""
    from calmdesk.actions import Actor
    from calmdesk.actions.privacy import apply_retention

    with coded_errors(), action_context(Settings()) as ctx:
        report = apply_retention(ctx, Actor.system("retention"))
    typer.echo(f"anonymised {report.anonymised}, deleted {report.deleted}")


@customers_app.command("erase")
def customers_erase(
    customer_id: Annotated[
        int, typer.Argument(min=1, max=2_147_483_647, help="The customer's id.")
    ],
    reason: Annotated[str, typer.Option(help="The request being honoured.")] = "erasure request",
) -> None:
    """Erase one customer's personal data and conversation texts; the audit keeps the fact."""
    from calmdesk.actions import Actor
    from calmdesk.actions.privacy import erase_customer

    with coded_errors(), action_context(Settings()) as ctx:
        report = erase_customer(ctx, Actor.system(_CLI), customer_id, reason)
    typer.echo(
        f"erased customer {report.customer_id}: {report.conversations} conversations, "
        f"{report.notes} notes"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands (users and tokens extend the groups of `web_cmds`)."""
    app.add_typer(retention_app, name="retention")
    app.add_typer(customers_app, name="customers")
