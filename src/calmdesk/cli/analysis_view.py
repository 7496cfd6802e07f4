"""How `calmdesk analyze` shows its records on a terminal: rich tables a person can scan."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["render_records"]

_SCORES = ("upset", "anger", "abuse", "complaint", "urgency", "politeness")


def _mentions(signals: dict[str, Any]) -> str:
    found = [f"{m['kind']}: {m['span']['text']!r}" for m in signals.get("requests", [])]
    found += [f"threat {m['kind']}: {m['span']['text']!r}" for m in signals.get("threats", [])]
    found += [f"{s['label']}: {s['text']!r}" for s in signals.get("abuse_spans", [])]
    return "\n".join(found)


def _turn_table(record: dict[str, Any]) -> Table:
    table = Table(title=f"{record['id']}: turns", show_lines=False)
    for name in ("#", "role", "lang", *_SCORES, "emotion", "cause", "found"):
        table.add_column(name, overflow="fold")
    for i, turn in enumerate(record["turns"], start=1):
        s = turn["signals"] or {}
        scores = [f"{s[k]:.2f}" if k in s else "" for k in _SCORES]
        emotion = max(s["emotion"], key=s["emotion"].get) if s.get("emotion") else ""
        lang = str(s.get("language", ""))
        if s.get("language_supported") is False:
            lang += " (limited)"
        row = (str(i), turn["role"], lang, *scores, emotion, s.get("cause", ""), _mentions(s))
        table.add_row(*row)
    return table


def _summary_table(records: list[dict[str, Any]]) -> Table:
    table = Table(title="conversations")
    for name in ("id", "risk", "trend", "turns", "reasons / error"):
        table.add_column(name, overflow="fold")
    for r in records:
        if "error" in r:
            table.add_row(str(r["id"]), "", "", "", f"[red]{r['error']}[/red]")
            continue
        risk = f"{r['escalation_risk']:.2f}"
        table.add_row(str(r["id"]), risk, r["trend"], str(len(r["turns"])), "; ".join(r["reasons"]))
    return table


def render_records(records: list[dict[str, Any]], console: Console) -> None:
    """A summary table of the records; a turn-by-turn table when there is only one."""
    console.print(_summary_table(records))
    if len(records) == 1 and "error" not in records[0]:
        console.print(_turn_table(records[0]))
