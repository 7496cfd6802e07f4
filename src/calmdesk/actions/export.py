"""Exports of one conversation's whole record (A1): JSON for machines, escaped HTML for people."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, select_autoescape

from calmdesk.actions.audit import snapshot
from calmdesk.actions.context import ActionContext
from calmdesk.domain import UnsupportedValue
from calmdesk.storage.queries import ConversationRecord, conversation_record

__all__ = ["FORMATS", "export_record", "record_as_dict"]

FORMATS = ("json", "html")
_PARTS = (
    "turns",
    "commitments",
    "escalations",
    "rule_firings",
    "follow_ups",
    "notes",
    "actions_taken",
    "audit",
)

_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Conversation {{ c.id }}: {{ c.subject }}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
.turn{border-left:4px solid #999;padding:.3rem .8rem;margin:.6rem 0;white-space:pre-wrap}
.customer{border-color:#c55}.agent{border-color:#36c}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}</style>
</head><body>
<h1>Conversation {{ c.id }}{% if c.subject %}: {{ c.subject }}{% endif %}</h1>
<p>Customer <strong>{{ customer.name }}</strong> (tier {{ customer.tier }}) &middot;
channel {{ c.channel }} &middot; status {{ c.status }} &middot; priority {{ c.priority }}<br>
Opened {{ c.opened_at }}{% if c.resolved_at %} &middot; resolved {{ c.resolved_at }}{% endif %}<br>
Escalation risk {{ c.escalation_risk }} &middot; trend {{ c.trend }}
&middot; cause {{ c.cause }}</p>
{% if c.outcome %}<p><strong>Outcome:</strong> {{ c.outcome }}</p>{% endif %}
<h2>Turns</h2>
{% for t in r.turns %}<div class="turn {{ t.author_role }}"><small>#{{ t.seq }}
{{ t.author_role }} &middot; {{ t.created_at }}</small>
<div>{{ t.text }}</div></div>{% endfor %}
{% for title, key, cols in sections %}{% if r[key] %}<h2>{{ title }}</h2><table>
<tr>{% for col in cols %}<th>{{ col }}</th>{% endfor %}</tr>
{% for row in r[key] %}<tr>{% for col in cols %}<td>{{ row[col] }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endif %}{% endfor %}
{% for case in r.resolution_cases %}<h2>Resolution case {{ case.id }} ({{ case.track }},
{{ case.state }})</h2>
<p>{{ case.reason }}{% if case.amount is not none %} &middot; amount {{ case.amount }}{% endif %}
{% if case.outcome %}<br><strong>Outcome:</strong> {{ case.outcome }}{% endif %}</p>
<table><tr><th>at</th><th>step</th><th>by</th><th>state</th><th>recorded</th></tr>
{% for s in case.steps %}<tr><td>{{ s.created_at }}</td><td>{{ s.step }}</td><td>{{ s.actor }}</td>
<td>{{ s.state_after }}</td><td>{% for k, v in s.data.items() %}{{ k }}: {{ v }}<br>{% endfor %}
</td></tr>{% endfor %}</table>{% endfor %}
</body></html>
"""
_SECTIONS = [
    ("Promises", "commitments", ["action", "due_at", "owner", "status", "customer_told"]),
    ("Escalations", "escalations", ["created_at", "reason", "rule", "to_user_id", "summary"]),
    ("Rule firings", "rule_firings", ["fired_at", "rule", "reason"]),
    ("Follow-ups", "follow_ups", ["due_at", "done", "outcome"]),
    ("Notes", "notes", ["created_at", "author_id", "text"]),
    ("Actions taken", "actions_taken", ["created_at", "kind", "detail"]),
    ("Audit log", "audit", ["at", "actor", "action", "entity", "entity_id"]),
]
_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def record_as_dict(record: ConversationRecord) -> dict[str, Any]:
    """The record as JSON-ready values (`format` names this layout's version)."""
    data: dict[str, Any] = {
        "format": "calmdesk.record.v1",
        "conversation": snapshot(record.conversation, keep_text=True),
        "customer": snapshot(record.conversation.customer, keep_text=True),
    }
    for part in _PARTS:
        data[part] = [snapshot(row, keep_text=True) for row in getattr(record, part)]
    return data


def export_record(ctx: ActionContext, conversation_id: int, fmt: str = "json") -> str:
    """One conversation's whole record as `json` or `html` text."""
    if fmt not in FORMATS:
        raise UnsupportedValue(f"Export format {fmt!r} is not one of: {', '.join(FORMATS)}.")
    from calmdesk.actions.cases import case_records

    with ctx.sessions() as session:
        data = record_as_dict(conversation_record(session, conversation_id))
        data["resolution_cases"] = case_records(session, conversation_id)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    template = _env.from_string(_HTML)
    return template.render(
        r=data, c=data["conversation"], customer=data["customer"], sections=_SECTIONS
    )
