"""`calmdesk suggest` (a reviewed reply for a conversation) and `calmdesk promises`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from calmdesk.analysis.kb import load_knowledge_base
from calmdesk.analysis.knowledge import KnowledgeBase
from calmdesk.analysis.promises.commitments import extract_commitments
from calmdesk.analysis.reply import Playbook, default_playbook, load_playbook
from calmdesk.cli.common import read_conversation_bytes
from calmdesk.cli.review_cmds import read_conversation
from calmdesk.cli.tables import Col, console, make_table, when
from calmdesk.config import Settings
from calmdesk.domain import (
    CalmdeskError,
    Commitment,
    Conversation,
    ConversationAnalysis,
    MalformedInput,
    to_jsonable,
)

if TYPE_CHECKING:  # the composer is imported by `suggest` itself, not by every command
    from calmdesk.analysis.suggest import Suggestion

__all__ = ["promises", "register", "suggest"]

_FORMATS = {"auto", "json", "text"}


def _analyse(conversation: Conversation, settings: Settings) -> ConversationAnalysis | None:
    """The pipeline's signals when its models load; otherwise the composer reads cues itself."""
    try:
        from calmdesk.analysis.pipeline import analyze_conversation

        return analyze_conversation(conversation, settings)
    except (ImportError, CalmdeskError):
        return None


def _wants_json(fmt: str) -> bool:
    if fmt not in _FORMATS:
        raise MalformedInput(f"--format must be one of {', '.join(sorted(_FORMATS))}.")
    return fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())


def _print_suggestion(result: Suggestion, as_json: bool) -> None:
    if as_json:
        payload = {"text": result.text, "source": result.source, "review": result.review}
        typer.echo(json.dumps(to_jsonable(payload), ensure_ascii=False, indent=2))
        return
    out = console()
    out.print(result.text, markup=False, highlight=False)
    from calmdesk.analysis.suggest import failed_checks

    failed = ", ".join(failed_checks(result.review)) or "none"
    out.print(
        f"\n[dim]source: {result.source}; review score {result.review.score}/100; "
        f"failed checks: {failed}[/]"
    )


def _inputs(kb: Path | None, playbook: Path | None, settings: Settings) -> tuple[Any, Any]:
    kb_path = kb or settings.knowledge_base_path
    book_path = playbook or settings.playbook_path
    knowledge: KnowledgeBase = load_knowledge_base(kb_path)
    book: Playbook = load_playbook(book_path) if book_path else default_playbook()
    return knowledge, book


def suggest(
    source: Annotated[str, typer.Argument(help="Conversation JSON file, or - for stdin.")] = "-",
    kb: Annotated[Path | None, typer.Option(help="Knowledge base YAML file.")] = None,
    playbook: Annotated[Path | None, typer.Option(help="Playbook YAML file.")] = None,
    offline: Annotated[bool, typer.Option(help="Never call the model endpoint.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="auto, json or text.")] = "auto",
    handed_over: Annotated[
        bool,
        typer.Option(
            "--handed-over",
            help="The case was in fact escalated or handed over (else the reply offers it).",
        ),
    ] = False,
) -> None:
    """Print a suggested next reply for the conversation, reviewed against the playbook."""
    try:
        as_json = _wants_json(fmt)
        settings = Settings()
        if offline:
            settings = settings.model_copy(update={"llm_base_url": None})
        knowledge, book = _inputs(kb, playbook, settings)
        conversation = read_conversation(read_conversation_bytes(source))
        analysis = _analyse(conversation, settings)
        from calmdesk.analysis.suggest import suggest_reply

        result = suggest_reply(
            conversation,
            analysis,
            kb=knowledge,
            config=settings,
            playbook=book,
            handed_over=handed_over,
        )
    except CalmdeskError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    _print_suggestion(result, as_json)


def _parse_now(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise MalformedInput(f"--now {raw!r} is not an ISO-8601 time.") from exc
    if when.tzinfo is None:
        raise MalformedInput("--now needs a time zone, e.g. 2026-11-28T10:00:00+01:00.")
    return when


def _print_promises(found: list[Commitment], tz: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(to_jsonable(found), ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo("No promises found.")
        return
    columns = (Col("action", ratio=2), Col("owner", "short"), Col("due"), Col("UTC"))
    table = make_table(f"Promises (due in {tz}, and in UTC)", (*columns, Col("said", ratio=2)))
    for c in found:
        table.add_row(
            c.action,
            c.owner,
            when(c.due, tz, named=False),
            when(c.due, "UTC", named=False),
            c.span.text,
        )
    console().print(table)


def promises(
    text: Annotated[str, typer.Option(help="The reply to read promises from.")],
    now: Annotated[
        str | None, typer.Option(help="When the reply is written (ISO-8601 with zone).")
    ] = None,
    tz: Annotated[
        str | None, typer.Option(help="Team time zone (IANA); default CALMDESK_TIMEZONE.")
    ] = None,
    business_days: Annotated[
        str | None, typer.Option(help="Working days, e.g. Mon,Tue,Wed,Thu,Fri.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto, json or text.")] = "auto",
) -> None:
    """Print the promises in a reply, with due dates resolved (playbook A2)."""
    try:
        as_json = _wants_json(fmt)
        settings = Settings()
        zone = tz or settings.timezone
        days = business_days or settings.business_days
        found = extract_commitments(text, _parse_now(now), zone, days)
    except CalmdeskError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    _print_promises(found, zone, as_json)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("suggest")(suggest)
    app.command("promises")(promises)
