"""Web commands: `calmdesk serve`, `calmdesk users create`, `calmdesk tokens create`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from calmdesk.cli.common import action_context, coded_errors
from calmdesk.config import Settings
from calmdesk.domain.errors import NotFound

if TYPE_CHECKING:
    from calmdesk.actions import ActionContext, Scheduler

__all__ = ["register"]

users_app = typer.Typer(help="People who log in to calmdesk.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
_ROLES = ("agent", "supervisor", "admin", "qa_analyst")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to listen on.")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (PostgreSQL or Redis for >1).")
    ] = 1,
) -> None:
    """Serve calmdesk on http://HOST:PORT (default 127.0.0.1:8000, from the settings).

    With `--workers N` (N > 1) the live hub, sessions and limits must be shared: use PostgreSQL
    (LISTEN/NOTIFY) or set CALMDESK_REDIS_URL; see docs/deploy.md. `X-Forwarded-*` headers are
    only believed from CALMDESK_TRUSTED_PROXIES."""
    import uvicorn

    settings = Settings()
    typer.echo("calmdesk: loading the models (a few seconds)...", err=True)
    with coded_errors():
        if workers > 1:
            _check_shared(settings)
            app: object = "calmdesk.cli.web_cmds:app_factory"
        else:
            app = app_factory()
    where = f"http://{host or settings.host}:{port or settings.port}"
    typer.echo(f"calmdesk: ready; the console is at {where}/console", err=True)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        factory=workers > 1,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        proxy_headers=False,  # calmdesk reads X-Forwarded-For itself, from trusted proxies only
        timeout_graceful_shutdown=5,
        # longer than a proxy's or a client pool's idle time, so the server never closes a kept
        # connection just as it is reused (the bench's few ReadErrors under load)
        timeout_keep_alive=75,
    )


def app_factory() -> object:
    """The app each server process builds (uvicorn --factory calmdesk.cli.web_cmds:app_factory)."""
    from calmdesk.web import create_app

    settings = Settings()
    return create_app(settings, scheduler=_scheduler(settings))


def _check_shared(settings: Settings) -> None:
    import os

    from calmdesk.domain.errors import ConfigError

    if settings.database_url.startswith("postgresql"):
        os.environ.setdefault("CALMDESK_LIVE_BACKEND", "postgres")  # the workers inherit it
    elif settings.redis_url:
        os.environ.setdefault("CALMDESK_LIVE_BACKEND", "redis")
    else:
        raise ConfigError(
            "Several workers need a shared live hub: use PostgreSQL (CALMDESK_DATABASE_URL) or "
            "set CALMDESK_REDIS_URL; on SQLite without Redis run one worker."
        )


def _scheduler(settings: Settings) -> Scheduler:
    """The job queue: timers created by the web are enqueued for `calmdesk worker`."""
    from calmdesk.jobs import build_jobs

    return build_jobs(settings).scheduler


def _team_id(ctx: ActionContext, name: str | None) -> int | None:
    """The id of the team called `name`, created when it does not exist yet."""
    from sqlalchemy import select

    from calmdesk.actions import Actor, create_team
    from calmdesk.storage import Team

    if not name:
        return None
    with ctx.sessions() as session:
        team = session.scalars(select(Team).where(Team.name == name)).first()
    return team.id if team else create_team(ctx, Actor.system("cli"), name).id


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Login name (stored in lower case).")],
    role: Annotated[str, typer.Option(help="agent, supervisor, admin or qa_analyst.")] = "agent",
    team: Annotated[str | None, typer.Option(help="Team name (created if new).")] = None,
    display_name: Annotated[str, typer.Option(help="Name shown to colleagues.")] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user who logs in to the console and the API."""
    from calmdesk.actions import Actor, create_user

    if role not in _ROLES:
        typer.echo(f"E104: role must be one of {', '.join(_ROLES)}.", err=True)
        raise typer.Exit(2)
    with coded_errors(), action_context(Settings()) as ctx:
        user = create_user(
            ctx, Actor.system("cli"), username=username, password=password, role=role,
            display_name=display_name, team_id=_team_id(ctx, team),
        )  # fmt: skip
    typer.echo(f"created {user.role.value} {user.username} (id {user.id})")


@tokens_app.command("create")
def tokens_create(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "integration",
) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    from sqlalchemy import select

    from calmdesk.actions import Actor, create_api_token
    from calmdesk.storage import User

    with coded_errors(), action_context(Settings()) as ctx:
        with ctx.sessions() as session:
            user = session.scalars(select(User).where(User.username == username.lower())).first()
        if user is None:
            raise NotFound(f"No user named {username!r}; create one with `calmdesk users create`.")
        token, _ = create_api_token(ctx, Actor.system("cli"), user.id, name)
    typer.echo(token)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command()(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
