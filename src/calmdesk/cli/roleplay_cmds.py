"""`calmdesk roleplay list|run`: practise on a simulated difficult customer (V5).

`run` takes the trainee's replies one per line as JSON strings (`--replies FILE` or `-` for stdin)
and prints one JSON object; without `--replies` on a terminal it is an interactive session.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from calmdesk.cli.common import coded_errors
from calmdesk.cli.tables import Col, console, make_table
from calmdesk.config import Settings
from calmdesk.domain import InputTooLarge, MalformedInput

if TYPE_CHECKING:  # the simulator is imported by its commands, not by every command
    from calmdesk.analysis.roleplay import Session
    from calmdesk.analysis.roleplay.scenario import Scenario

__all__ = ["register"]

roleplay_app = typer.Typer(help="Practise on simulated difficult customers.", no_args_is_help=True)
MAX_REPLIES_BYTES = 2_000_000
ScenarioDir = Annotated[
    Path | None, typer.Option("--scenarios", help="A folder of scenario YAML files instead.")
]


def _terminal() -> bool:
    """Whether a person reads stdout (a table), rather than a program (JSON)."""
    return sys.stdout.isatty()


def _library(directory: Path | None) -> tuple[Scenario, ...]:
    from calmdesk.analysis.roleplay import default_scenarios, load_scenarios

    return default_scenarios() if directory is None else load_scenarios(directory)


@roleplay_app.command("list")
def list_scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    scenarios: ScenarioDir = None,
) -> None:
    """The scenarios: id, title, cause (C1-C5) and difficulty (1-5)."""
    with coded_errors():
        items = [s.summary() for s in _library(scenarios)]
    if as_json or not _terminal():
        typer.echo(json.dumps(items, ensure_ascii=False))
        return
    columns = (Col("id", "clip"), Col("title", ratio=2), Col("cause", "short"))
    table = make_table(None, (*columns, Col("difficulty", "short")))
    for item in items:
        table.add_row(item["id"], item["title"], item["cause"], str(item["difficulty"]))
    console().print(table)


def _read_replies(source: str) -> list[str]:
    if source == "-":
        data = sys.stdin.buffer.read(MAX_REPLIES_BYTES + 1)
    else:
        try:
            data = Path(source).read_bytes()[: MAX_REPLIES_BYTES + 1]
        except OSError as exc:
            raise MalformedInput(f"Cannot read {source}: {exc.strerror}.") from exc
    if len(data) > MAX_REPLIES_BYTES:
        raise InputTooLarge(f"The replies are over {MAX_REPLIES_BYTES} bytes; send fewer.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput("The replies are not UTF-8 text.") from exc
    replies = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MalformedInput(f"Line {n}: each reply must be a JSON string.") from exc
        if not isinstance(value, str):
            raise MalformedInput(f"Line {n}: each reply must be a JSON string, not {value!r:.40}.")
        replies.append(value)
    return replies


def _backend(settings: Settings) -> Any:
    if not settings.llm_base_url:
        return None
    from calmdesk.analysis.llm import OpenAICompatible

    return OpenAICompatible(
        settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_s
    )


def _interactive(session: Session, coaching: bool) -> None:
    console = Console()
    s = session.scenario
    console.print(f"[bold]{s.title}[/] ({s.cause}, difficulty {s.difficulty}). {s.situation}")
    console.print("Type your reply and press Enter; an empty line ends the session.\n")
    console.print(f"[cyan]{s.name}:[/] {session.opening}", markup=True, highlight=False)
    while not session.finished:
        text = typer.prompt("you", default="", show_default=False)
        if not text.strip():
            break
        answer = session.reply(text)
        step = session.steps[-1]
        if coaching and step.reading.fixes:
            console.print(f"[dim]coach: {step.reading.fixes[0]}[/]", highlight=False)
        if answer is not None:
            console.print(f"[cyan]{s.name}:[/] {answer}", highlight=False)
    for note in session.feedback():
        console.print(note, highlight=False)
    console.print(f"Score: {session.score()}")


@roleplay_app.command("run")
def run(
    scenario: Annotated[str, typer.Argument(help="A scenario id from `calmdesk roleplay list`.")],
    replies: Annotated[
        str | None, typer.Option("--replies", help="The trainee's replies, one JSON string a line.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Replays a session exactly.")] = 0,
    coaching: Annotated[bool, typer.Option(help="Show coaching after each reply.")] = True,
    scenarios: ScenarioDir = None,
) -> None:
    """Play a scenario: the simulated customer reacts to each reply; prints the result as JSON."""
    with coded_errors():
        from calmdesk.analysis.roleplay import Session, scenario_by_id

        chosen = scenario_by_id(scenario, _library(scenarios))
        session = Session(chosen, seed, backend=_backend(Settings()))
        if replies is None and sys.stdin.isatty():
            _interactive(session, coaching)
            return
        for text in _read_replies(replies or "-"):
            if session.finished:
                break
            session.reply(text)
    typer.echo(json.dumps(session.result(), ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(roleplay_app, name="roleplay")
