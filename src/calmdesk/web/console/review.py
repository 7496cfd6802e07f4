"""The live review behind the reply box, fast enough to run on every pause in typing.

Each customer turn's signals were stored when it arrived, so a draft is reviewed against those
stored signals instead of analysing the whole conversation again on every keystroke pause.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from calmdesk.analysis.reply import Playbook, default_playbook, load_playbook, review_draft
from calmdesk.analysis.reply.playbook import PolicyFact
from calmdesk.domain import (
    AbuseKind,
    Cause,
    CustomerSignals,
    Mention,
    MentionKind,
    Review,
    Role,
    Span,
    Turn,
    TurnAnalysis,
)

__all__ = ["review_against_stored", "signals_from_json", "warm_up"]

_NUMBERS = ("upset", "anger", "abuse", "complaint", "urgency", "politeness")


def review_against_stored(
    history: Sequence[Turn],
    stored: Sequence[Mapping[str, Any] | None],
    draft: str,
    now: datetime,
    playbook_path: Path | None = None,
    facts: Sequence[PolicyFact] = (),
    saved: Playbook | None = None,
) -> Review:
    """Review `draft` given the turns before it and each turn's stored signals (None: unknown);
    `facts` (the knowledge base's articles) replace the playbook's facts of the same name (P8);
    `saved` is the team's or the desk's saved playbook, which wins over the file."""
    analyses = [
        TurnAnalysis(t.role, signals_from_json(s) if t.role is Role.CUSTOMER else None)
        for t, s in zip(history, stored, strict=True)
    ]
    playbook = saved or (_playbook(playbook_path) if playbook_path else None)
    if facts:
        base = playbook or default_playbook()
        names = {f.name for f in facts}
        merged = tuple(facts) + tuple(f for f in base.facts if f.name not in names)
        playbook = dataclasses.replace(base, facts=merged)
    return review_draft(draft, list(history), analyses, now=now, config=playbook)


_warmed = threading.Event()


def warm_up() -> None:
    """Load the review's lazy parts (date parsing, lexicons) once per process, in the background,
    so the first draft an agent types is reviewed as fast as the rest."""
    if _warmed.is_set():
        return
    _warmed.set()

    def run() -> None:
        now = datetime.now(UTC)
        turn = Turn(Role.CUSTOMER, "My order is late.", now)
        with contextlib.suppress(Exception):
            review_against_stored([turn], [None], "Sorry, I will call you by Friday 5pm.", now)

    threading.Thread(target=run, name="calmdesk-review-warm-up", daemon=True).start()


@lru_cache(maxsize=4)
def _playbook(path: Path) -> Playbook:
    return load_playbook(path)


def signals_from_json(data: Mapping[str, Any] | None) -> CustomerSignals | None:
    """The stored JSON of a customer turn's signals back as `CustomerSignals` (None if unusable)."""
    if not isinstance(data, Mapping) or not all(_is_num(data.get(k)) for k in _NUMBERS):
        return None
    emotion = data.get("emotion")
    numbers: dict[str, Any] = {k: float(data[k]) for k in _NUMBERS}
    return CustomerSignals(
        **numbers,
        emotion={str(k): float(v) for k, v in emotion.items() if _is_num(v)}
        if isinstance(emotion, Mapping)
        else {},
        cause=_enum(Cause, data.get("cause"), Cause.NONE),
        cause_confidence=float(data["cause_confidence"])
        if _is_num(data.get("cause_confidence"))
        else 0.0,
        abuse_kinds=[
            k for k in (_enum(AbuseKind, v, None) for v in _list(data, "abuse_kinds")) if k
        ],
        abuse_spans=[s for s in (_span(v) for v in _list(data, "abuse_spans")) if s],
        requests=_mentions(_list(data, "requests")),
        threats=_mentions(_list(data, "threats")),
        truncated=bool(data.get("truncated", False)),
        sarcasm=float(data["sarcasm"]) if _is_num(data.get("sarcasm")) else 0.0,
        waiting=float(data["waiting"]) if _is_num(data.get("waiting")) else 0.0,
        language=str(data.get("language") or "en")[:12],
        language_supported=data.get("language_supported") is not False,
    )


def _is_num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _enum(kind: Any, value: object, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default


def _span(value: object) -> Span | None:
    if not isinstance(value, Mapping):
        return None
    start, end = value.get("start"), value.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    return Span(start, end, str(value.get("text", "")), str(value.get("label", "")))


def _mentions(values: list[Any]) -> list[Mention]:
    found = []
    for value in values:
        kind = _enum(MentionKind, value.get("kind"), None) if isinstance(value, Mapping) else None
        span = _span(value.get("span")) if kind else None
        if kind and span:
            found.append(Mention(kind, span))
    return found
