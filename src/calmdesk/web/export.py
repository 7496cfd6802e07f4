"""A conversation's whole record as a readable, self-contained HTML page (every value escaped)."""

from __future__ import annotations

from jinja2 import Environment, select_autoescape

from calmdesk.web.schemas import ExportOut

__all__ = ["EXPORT_HEADERS", "render_export_html"]

EXPORT_HEADERS = {
    # the page is self-contained: its own inline style, no script, no fetches, no framing
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Content-Disposition": "inline",
}

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

_PAGE = _ENV.from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Conversation {{ c.id }}: {{ c.subject or "no subject" }}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccc}
dl{display:grid;grid-template-columns:12rem 1fr;gap:.2rem 1rem} dt{color:#555}
.turn{border-left:4px solid #bbb;padding:.3rem .8rem;margin:.6rem 0;white-space:pre-wrap}
.turn.customer{border-color:#c65} .turn.agent{border-color:#58a} small{color:#666}
table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ddd;padding:.3rem;text-align:left}
</style></head><body>
<h1>Conversation {{ c.id }}: {{ c.subject or "no subject" }}</h1>
<dl>
<dt>Customer</dt><dd>{{ c.customer.name }} (id {{ c.customer.id }}, {{ c.customer.tier }},
 standing {{ c.customer.standing.value }})</dd>
<dt>Channel</dt><dd>{{ c.channel.value }}</dd>
<dt>Status</dt><dd>{{ c.status.value }}, priority {{ c.priority.value }}</dd>
<dt>Opened</dt><dd>{{ c.opened_at.isoformat() }}</dd>
<dt>Resolved</dt><dd>{{ c.resolved_at.isoformat() if c.resolved_at else "not yet" }}</dd>
<dt>Outcome</dt><dd>{{ c.outcome or "none recorded" }}</dd>
<dt>Cause</dt><dd>{{ c.cause }}</dd>
<dt>Escalation risk</dt><dd>{{ "%.2f"|format(c.escalation_risk) }} ({{ c.trend }})</dd>
<dt>Exported</dt><dd>{{ c.exported_at.isoformat() }}</dd>
</dl>
<h2>Turns</h2>
{% for t in c.turns %}<div class="turn {{ t.author_role.value }}">
<small>#{{ t.seq }} {{ t.author_role.value }} at {{ t.created_at.isoformat() }}</small>
<div>{{ t.text }}</div></div>
{% else %}<p>No turns.</p>{% endfor %}
<h2>Promises</h2>
{% if c.commitments %}<table><tr><th>What</th><th>Due</th><th>Owner</th><th>Status</th>
<th>Customer told</th></tr>
{% for p in c.commitments %}<tr><td>{{ p.action }}</td>
<td>{{ p.due_at.isoformat() if p.due_at else "no date" }}</td><td>{{ p.owner }}</td>
<td>{{ p.status.value }}</td><td>{{ "yes" if p.customer_told else "no" }}</td></tr>
{% endfor %}</table>{% else %}<p>No promises.</p>{% endif %}
<h2>Escalations</h2>
{% for e in c.escalations %}<p>{{ e.created_at.isoformat() }}: {{ e.reason }}
{% if e.rule %}(rule {{ e.rule }}){% endif %}<br><small>{{ e.summary }}</small></p>
{% else %}<p>None.</p>{% endfor %}
<h2>Actions taken</h2>
{% for a in c.actions_taken %}<p>{{ a.created_at }}: {{ a.kind }} {{ a.detail }}</p>
{% else %}<p>None recorded.</p>{% endfor %}
<h2>Follow-ups</h2>
{% for f in c.follow_ups %}<p>due {{ f.due_at.isoformat() }}:
{{ ("done: " ~ f.outcome) if f.done else "open" }}</p>
{% else %}<p>None.</p>{% endfor %}
<h2>Notes</h2>
{% for n in c.notes %}<p>{{ n.created_at.isoformat() }}: {{ n.text }}</p>
{% else %}<p>None.</p>{% endfor %}
{% for case in c.resolution_cases %}<h2>Resolution case {{ case.id }}: {{ case.track }},
{{ case.state }}</h2>
<p>{{ case.reason }}{% if case.outcome %}<br>Outcome: {{ case.outcome }}{% endif %}</p>
<table><tr><th>At</th><th>Step</th><th>By</th><th>Recorded</th></tr>
{% for s in case.steps %}<tr><td>{{ s.created_at }}</td><td>{{ s.step }}</td><td>{{ s.actor }}</td>
<td>{% for k, v in s.data.items() %}{{ k }}: {{ v }}<br>{% endfor %}</td></tr>{% endfor %}
</table>{% endfor %}
</body></html>
"""
)


def render_export_html(record: ExportOut) -> str:
    """The record as one HTML page, readable without calmdesk running."""
    return _PAGE.render(c=record)
