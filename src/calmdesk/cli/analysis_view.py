"""How `calmdesk analyze` shows its records on a terminal: rich tables a person can scan."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from calmdesk.cli.tables import Col, make_table, words

__all__ = ["render_records"]

_SCORES = ("upset", "anger", "abuse", "complaint", "urgency", "politeness")


def _mentions(signals: dict[str, Any]) -> Text:
    found = [f"{words(m['kind'])}: {m['span']['text']!r}" for m in signals.get("requests", [])]
    found += [
        f"threat {words(m['kind'])}: {m['span']['text']!r}" for m in signals.get("threats", [])
    ]
    found += [f"{words(s['label'])}: {s['text']!r}" for s in signals.get("abuse_spans", [])]
    return Text("\n".join(found))


def _scores(signals: dict[str, Any]) -> str:
    return "\n".join(f"{k} {signals[k]:.2f}" for k in _SCORES if k in signals)


def _turn_table(record: dict[str, Any]) -> Table:
    columns = [Col("#", "short"), Col("role", "short"), Col("lang", "short")]
    columns += [
        Col("scores", "short"),
        Col("emotion", "short"),
        Col("cause"),
        Col("found", ratio=3),
    ]
    table = make_table(f"{record['id']}: turns", columns)
    for i, turn in enumerate(record["turns"], start=1):
        s = turn["signals"] or {}
        emotion = max(s["emotion"], key=s["emotion"].get) if s.get("emotion") else ""
        lang = str(s.get("language", ""))
        if s.get("language_supported") is False:
            lang += "\n(limited)"
        cause = words(str(s.get("cause", "")))
        table.add_row(str(i), turn["role"], lang, _scores(s), emotion, cause, _mentions(s))
    return table


def _summary_table(records: list[dict[str, Any]]) -> Table:
    columns = (
        Col("id", "clip"),
        Col("risk", "short"),
        Col("trend", "short"),
        Col("turns", "short"),
    )
    table = make_table("conversations", (*columns, Col("reasons / error", ratio=4)))
    for r in records:
        if "error" in r:
            table.add_row(str(r["id"]), "", "", "", Text(str(r["error"]), style="red"))
            continue
        risk = f"{r['escalation_risk']:.2f}"
        reasons = Text("; ".join(r["reasons"]))
        table.add_row(str(r["id"]), risk, r["trend"], str(len(r["turns"])), reasons)
    return table


def render_records(records: list[dict[str, Any]], console: Console) -> None:
    """A summary table of the records; a turn-by-turn table when there is only one."""
    console.print(_summary_table(records))
    if len(records) == 1 and "error" not in records[0]:
        console.print(_turn_table(records[0]))
