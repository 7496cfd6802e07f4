"""Shaping stored records and their analysis for the console templates (read side only).

Templates get plain dataclasses with everything formatted: labels, percentages, waiting times,
highlighted text. Nothing here writes; writes go through `calmdesk.actions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from calmdesk.web.markup import UpsetChart, highlight, spans_from_signals, upset_chart
from calmdesk.web.timefmt import stamp

__all__ = [
    "UPSET_SHOWN",
    "CheckView",
    "PromiseView",
    "ReviewView",
    "TurnView",
    "ago",
    "cause_label",
    "chart_for",
    "check_title",
    "due_label",
    "review_view",
    "top_emotion",
    "turn_view",
]

UPSET_SHOWN = 0.4
"""From this upset on, the mood shown is the strongest difficult emotion."""

_CALM = frozenset({"neutral", "satisfaction"})
_CAUSES = {
    "delivery_delay": "late or lost delivery",
    "defect": "faulty product",
    "billing": "billing",
    "service_failure": "service failure",
    "account_access": "account access",
    "expectations": "expectations (C1)",
    "communication": "communication (C2)",
    "other": "other",
}


def cause_label(cause: str | None) -> str:
    """A readable cause, or an empty string when there is none."""
    return _CAUSES.get(cause or "", "")


def top_emotion(emotion: Any, upset: float = 0.0) -> str:
    """The strongest emotion in a stored distribution, `neutral` when unknown.

    A customer who is clearly upset is never shown as neutral or satisfied: the strongest of the
    difficult emotions is shown instead, so the mood agrees with the upset meter beside it.
    """
    if not isinstance(emotion, Mapping) or not emotion:
        return "neutral"
    scored = sorted(
        ((float(v), str(k)) for k, v in emotion.items() if isinstance(v, int | float)), reverse=True
    )
    if upset >= UPSET_SHOWN:
        difficult = [(v, k) for v, k in scored if k not in _CALM and v > 0]
        scored = difficult or scored
    return scored[0][1] if scored else "neutral"


def ago(then: datetime | None, now: datetime) -> str:
    """`4 min`, `2 h 5 min`, `3 d`: how long ago, for waiting times."""
    if then is None:
        return "—"
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{hours // 24} d"


def due_label(due: datetime | None, tz: ZoneInfo, now: datetime) -> str:
    """`Fri 24 Nov 17:00`, with `overdue` prefixed when past."""
    if due is None:
        return "no date"
    text = stamp(due, tz)
    return f"overdue · {text}" if due < now else text


def check_title(name: str, check_id: str) -> str:
    """The check's summary from the playbook registry, or its name made readable."""
    try:
        from calmdesk.analysis.reply.registry import get_check

        summary = get_check(name).summary
        return summary[:1].upper() + summary[1:]
    except Exception:  # noqa: BLE001 - a missing registry entry only loses the nicer title
        return name.replace("_", " ").capitalize() or check_id


@dataclass(frozen=True, slots=True)
class TurnView:
    id: int
    role: str
    author: str
    text_html: Markup
    at_iso: str
    at_label: str
    signals: bool = False
    emotion: str = "neutral"
    upset: float = 0.0
    upset_pct: int = 0
    heat: str = ""
    cause_label: str = ""
    abuse_kinds: tuple[str, ...] = ()
    threats: tuple[str, ...] = ()
    requests: tuple[str, ...] = ()
    score: int | None = None
    failed: tuple[str, ...] = ()
    limited: str = ""  # the language's name when calmdesk does not read it ("Polish")


def turn_view(
    turn_id: int,
    role: str,
    author: str,
    text: str,
    at: datetime,
    tz: ZoneInfo,
    signals: Mapping[str, Any] | None,
    review: Mapping[str, Any] | None,
) -> TurnView:
    """One transcript entry; customer turns carry their annotations, agent turns their score."""
    base: dict[str, Any] = {
        "id": turn_id,
        "role": role,
        "author": author,
        "at_iso": at.isoformat(),
        "at_label": stamp(at, tz),
    }
    if role == "customer" and isinstance(signals, Mapping):
        return TurnView(
            text_html=highlight(text, spans_from_signals(signals)),
            **base,
            **_customer_notes(signals),
        )
    return TurnView(text_html=highlight(text, []), **base, **_agent_notes(review))


def _customer_notes(signals: Mapping[str, Any]) -> dict[str, Any]:
    upset = _num(signals.get("upset"))
    return {
        "signals": True,
        "emotion": top_emotion(signals.get("emotion"), upset),
        "upset": upset,
        "upset_pct": round(upset * 100),
        "heat": "hot" if upset >= 0.66 else ("warm" if upset >= 0.33 else ""),
        "cause_label": cause_label(str(signals.get("cause") or "")),
        "abuse_kinds": tuple(str(k) for k in _list(signals.get("abuse_kinds"))),
        "threats": _kinds(signals.get("threats")),
        "requests": _kinds(signals.get("requests")),
        "limited": _limited(signals),
    }


def _limited(signals: Mapping[str, Any]) -> str:
    if signals.get("language_supported") is not False:
        return ""
    from calmdesk.analysis.language import language_name

    return language_name(str(signals.get("language") or "unknown"))


def _agent_notes(review: Mapping[str, Any] | None) -> dict[str, Any]:
    if not isinstance(review, Mapping) or not isinstance(review.get("score"), int | float):
        return {}
    failed = tuple(
        f"{c.get('check')} {check_title(str(c.get('name') or ''), str(c.get('check')))}"
        for c in _list(review.get("checks"))
        if isinstance(c, Mapping) and c.get("status") == "fail"
    )
    return {"score": int(review["score"]), "failed": failed}


def _kinds(mentions: Any) -> tuple[str, ...]:
    kinds = [
        str(m.get("kind", "")).replace("_", " ") for m in _list(mentions) if isinstance(m, Mapping)
    ]
    return tuple(dict.fromkeys(k for k in kinds if k))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _num(value: Any) -> float:
    return min(1.0, max(0.0, float(value))) if isinstance(value, int | float) else 0.0


@dataclass(frozen=True, slots=True)
class CheckView:
    check: str
    title: str
    fix: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PromiseView:
    action: str
    due_label: str


@dataclass(frozen=True, slots=True)
class ReviewView:
    score: int
    failing: list[CheckView]
    passing: list[CheckView]
    tone: list[str] = field(default_factory=list)
    promises: list[PromiseView] = field(default_factory=list)


def review_view(review: Any, tz: ZoneInfo, now: datetime) -> ReviewView:
    """A domain `Review` shaped for the coaching panel; not-needed checks are left out."""
    failing, passing = [], []
    for c in review.checks:
        view = CheckView(
            c.check, check_title(c.name, c.check), c.fix, tuple(s.text for s in c.evidence)
        )
        if c.status.value == "fail":
            failing.append(view)
        elif c.status.value == "pass":
            passing.append(view)
    tone = sorted({p.kind.replace("_", " ") for p in review.tone_problems})
    promises = [PromiseView(p.action, due_label(p.due, tz, now)) for p in review.commitments]
    return ReviewView(int(review.score), failing, passing, tone, promises)


def chart_for(signals: Sequence[Mapping[str, Any] | None]) -> UpsetChart | None:
    """The upset chart over the customer turns that have stored signals."""
    return upset_chart([_num(s.get("upset")) for s in signals if isinstance(s, Mapping)])
