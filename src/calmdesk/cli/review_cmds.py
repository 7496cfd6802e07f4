"""`calmdesk review`: judge an agent's draft against the playbook checks."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from calmdesk.analysis.kb import load_knowledge_base
from calmdesk.analysis.knowledge import default_knowledge_base
from calmdesk.analysis.reply import Playbook, default_playbook, load_playbook, review_draft
from calmdesk.analysis.reply.wording import tone_findings
from calmdesk.cli.common import read_conversation_bytes
from calmdesk.cli.tables import Col, console, make_table, when, words
from calmdesk.config import Settings
from calmdesk.domain import (
    AgentSignals,
    CalmdeskError,
    CheckStatus,
    Conversation,
    EmptyInput,
    MalformedInput,
    Review,
    Role,
    Turn,
    TurnAnalysis,
    to_jsonable,
)

__all__ = ["read_conversation", "register"]

_STATUS_STYLE = {CheckStatus.PASS: "green", CheckStatus.FAIL: "red", CheckStatus.NOT_NEEDED: "dim"}


def _turn(raw: Any, i: int) -> Turn:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise MalformedInput(f"turns[{i}] must be an object with a text string.")
    try:
        role = Role(str(raw.get("role")))
    except ValueError as exc:
        raise MalformedInput(f"turns[{i}].role must be customer, agent or bot.") from exc
    at = raw.get("at")
    try:
        when = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError as exc:
        raise MalformedInput(f"turns[{i}].at is not an ISO-8601 time.") from exc
    if at is not None and (when is None or when.tzinfo is None):
        raise MalformedInput(f"turns[{i}].at needs a time zone, e.g. 2026-01-05T09:30:00+00:00.")
    return Turn(role, raw["text"], when)


def read_conversation(data: bytes) -> Conversation:
    """Parse one conversation in the analyze contract: {"id", "turns": [{role, text, at}]}."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedInput("The conversation is not UTF-8 text.") from exc
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"The conversation is not valid JSON ({exc.msg}).") from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("turns"), list):
        raise MalformedInput('Expected one JSON object with a "turns" list.')
    turns = tuple(_turn(t, i) for i, t in enumerate(obj["turns"]))
    return Conversation(str(obj.get("id", "conversation")), turns)


def _split(conversation: Conversation, draft: str | None) -> tuple[list[Turn], Turn]:
    """The history and the draft turn (its `at` dates the promises it makes)."""
    turns = list(conversation.turns)
    if draft is not None:
        return turns, Turn(Role.AGENT, draft)
    if turns and turns[-1].role is Role.AGENT:
        return turns[:-1], turns[-1]
    raise EmptyInput("No draft: pass --draft TEXT or end the conversation with an agent turn.")


def _analyse(history: list[Turn], draft: str) -> tuple[list[TurnAnalysis], float | None]:
    """Signals of the history (and the draft's politeness) from the pipeline, if models load."""
    try:
        from calmdesk.analysis.pipeline import analyze_conversation

        turns = (*history, Turn(Role.AGENT, draft))
        analysis = analyze_conversation(Conversation("review", turns))
    except (ImportError, CalmdeskError):
        return [TurnAnalysis(t.role, None) for t in history], None
    last = analysis.turns[-1].signals
    politeness = last.politeness if isinstance(last, AgentSignals) else None
    return analysis.turns[:-1], politeness


def _table(review: Review) -> Table:
    columns = (Col("check", "short"), Col("status", "short"), Col("evidence", ratio=2))
    table = make_table(f"Review score {review.score}/100", (*columns, Col("fix", ratio=3)))
    for c in review.checks:
        style = _STATUS_STYLE[c.status]
        evidence = "; ".join(f'"{s.text}"' for s in c.evidence[:3])
        status = words(c.status.value)
        if c.status is CheckStatus.FAIL:
            status += f"\n{c.severity.value}"
        table.add_row(
            f"{c.check}\n{words(c.name)}",
            f"[{style}]{status}[/]",
            evidence,
            c.fix,
            end_section=False,
        )
    return table


def _print(review: Review, fmt: str) -> None:
    as_json = fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())
    if as_json:
        typer.echo(json.dumps(to_jsonable(review), ensure_ascii=False, indent=2))
        return
    out = console()
    out.print(_table(review))
    signals = ", ".join(
        f"{words(n)} {getattr(review, n):.2f}"
        for n in (
            "empathy",
            "apology",
            "reflection",
            "politeness",
            "asks_question",
            "offers_solution",
            "blame",
        )
    )
    out.print(f"signals: {signals}", markup=False, highlight=False)
    for evidence, what in tone_findings(review.tone_problems):
        out.print(f'tone: "{evidence}" ({what})', markup=False, highlight=False)
    for c in review.commitments:
        out.print(
            f"promise: {c.action} (by {c.owner}, due {when(c.due)})", markup=False, highlight=False
        )


def _playbook(path: Path | None) -> Playbook:
    """The playbook (option, settings or default) with the knowledge base's facts for P8 and the
    team's time zone and business days for promises, as `calmdesk suggest` uses them."""
    settings = Settings()
    chosen = path or settings.playbook_path
    base = load_playbook(chosen) if chosen else default_playbook()
    kb_path = settings.knowledge_base_path
    kb = load_knowledge_base(kb_path) if kb_path else default_knowledge_base()
    ours = kb.policy_facts()
    named = {f.name for f in ours}
    facts = ours + tuple(f for f in base.facts if f.name not in named)
    return dataclasses.replace(
        base, facts=facts, timezone=settings.timezone, business_days=settings.business_days
    )


def review(
    source: Annotated[str, typer.Argument(help="Conversation JSON file, or - for stdin.")] = "-",
    draft: Annotated[
        str | None, typer.Option(help="The draft; default: the last agent turn.")
    ] = None,
    playbook: Annotated[Path | None, typer.Option(help="Playbook YAML file.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto, json or table.")] = "auto",
) -> None:
    """Review an agent's draft against the playbook checks (P2-P14)."""
    try:
        if fmt not in {"auto", "json", "table"}:
            raise MalformedInput("--format must be auto, json or table.")
        config = _playbook(playbook)
        history, turn = _split(read_conversation(read_conversation_bytes(source)), draft)
        analyses, politeness = _analyse(history, turn.text)
        result = review_draft(
            turn.text, history, analyses, politeness=politeness, now=turn.at, config=config
        )
    except CalmdeskError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    _print(result, fmt)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("review")(review)
