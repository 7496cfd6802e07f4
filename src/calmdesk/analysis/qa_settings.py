"""The `qa:` section of the playbook file: criterion weights and the rubric's thresholds.

A small module of its own, outside both `analysis.reply` and `analysis.qa`: the playbook loader
(reply) validates the section (E501) with it, and the QA rubric reads its settings from it, so
reply never imports qa (qa imports reply, not the other way round). `CONVERSATION_WEIGHTS` names
every conversation criterion; the QA registry refuses a criterion missing from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from calmdesk.domain.errors import ConfigError

__all__ = ["CONVERSATION_WEIGHTS", "QaSettings", "parse_qa"]

CONVERSATION_WEIGHTS: dict[str, float] = {
    "de_escalation": 4.0,
    "resolution": 4.0,
    "promises_kept": 3.0,
    "escalation_handled": 2.0,
    "limits_before_block": 2.0,
    "follow_up": 2.0,
    "response_times": 2.0,
    "repeat_contact": 1.0,
    "bot_replies": 1.0,
}
"""Default weights of the conversation criteria (a reply check defaults to its `checks.` weight)."""

_KEYS = frozenset(
    {"weights", "upset_at", "recovered_below", "low_csat", "retention_days", "repeat_contact_days"}
)


@dataclass(frozen=True, slots=True)
class QaSettings:
    """`weights`: criterion name -> weight (missing: the default). `upset_at`: a customer turn this
    upset counts as upset; `recovered_below`: the last customer turn below this counts as calm
    again; `low_csat`: a CSAT answer at or below it opens a follow-up task; `retention_days`: a
    customer who writes again within this many days counts as retained (analytics);
    `repeat_contact_days`: an earlier conversation of the same customer this recent makes this one
    a repeat contact (`calmdesk qa --db`)."""

    weights: Mapping[str, float] = field(default_factory=dict)
    upset_at: float = 0.5
    recovered_below: float = 0.4
    low_csat: int = 2
    retention_days: int = 90
    repeat_contact_days: int = 30

    def weight(self, name: str, default: float) -> float:
        return self.weights.get(name, default)


def _fail(where: str, what: str) -> ConfigError:
    return ConfigError(f"playbook qa.{where}: {what}")


def _share(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _fail(where, f"expected a number from 0 to 1, got {value!r}")
    return float(value)


def _days(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(where, f"expected a whole number from {low} to {high}, got {value!r}")
    return value


def parse_qa(data: Any, known: frozenset[str]) -> QaSettings:
    """Validate the `qa:` mapping; `known` holds every criterion name that may get a weight."""
    if data is None:
        return QaSettings()
    if not isinstance(data, Mapping):
        raise ConfigError(f"playbook qa: expected a mapping, got {type(data).__name__}")
    extra = sorted(set(map(str, data)) - _KEYS)
    if extra:
        raise _fail(extra[0], f"unknown key; allowed: {', '.join(sorted(_KEYS))}")
    raw = data.get("weights") or {}
    if not isinstance(raw, Mapping):
        raise _fail("weights", f"expected a mapping, got {type(raw).__name__}")
    weights: dict[str, float] = {}
    for name, value in raw.items():
        if name not in known:
            raise _fail(f"weights.{name}", f"no such criterion; known: {', '.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise _fail(f"weights.{name}", f"expected a number >= 0, got {value!r}")
        weights[str(name)] = float(value)
    return QaSettings(
        weights=weights,
        upset_at=_share(data.get("upset_at", 0.5), "upset_at"),
        recovered_below=_share(data.get("recovered_below", 0.4), "recovered_below"),
        low_csat=_days(data.get("low_csat", 2), "low_csat", 1, 5),
        retention_days=_days(data.get("retention_days", 90), "retention_days", 1, 3650),
        repeat_contact_days=_days(
            data.get("repeat_contact_days", 30), "repeat_contact_days", 1, 365
        ),
    )
