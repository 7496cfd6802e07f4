"""Role-play scenarios: a documented YAML persona per file, parsed and validated here.

A scenario says who the simulated customer is, what they know and reveal only when asked (P6), what
angers and what calms them, how patient they are, and what counts as success. See docs/roleplay.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from calmdesk.domain.errors import ConfigError, NotFound

__all__ = [
    "ANGER_EVENTS",
    "CALM_EVENTS",
    "CAUSES",
    "LINE_KINDS",
    "TEMPERAMENTS",
    "Fact",
    "Scenario",
    "default_scenarios",
    "load_scenarios",
    "parse_scenario",
    "scenario_by_id",
]

CAUSES = ("C1", "C2", "C3", "C4", "C5")
TEMPERAMENTS = {
    "calm": (0.8, 1.1),
    "impatient": (1.1, 0.9),
    "volatile": (1.4, 0.8),
    "anxious": (1.0, 1.0),
    "curt": (1.0, 0.9),
}
"""Temperament -> (how strongly mishandling angers, how strongly good handling calms)."""

ANGER_EVENTS = (
    "blame",
    "calm_down",
    "tone",
    "ignored",
    "asked_again",
    "overpromise",
    "policy_wall",
    "no_empathy",
    "silence",
)
CALM_EVENTS = (
    "reflection",
    "empathy",
    "apology",
    "concrete_option",
    "timeline",
    "checks_fit",
    "boundary",
    "escalation",
)
LINE_KINDS = (
    "opening",
    "repeat",
    "partial",
    "reveal",
    "blamed",
    "told_to_calm",
    "asked_again",
    "unanswered",
    "policy",
    "caught_overpromise",
    "silence",
    "manager",
    "threat",
    "leave",
    "accept",
    "abuse",
)
_NEEDS = CALM_EVENTS
_MAX_FILE_BYTES = 200_000
_DEFAULT_DIR = Path(__file__).resolve().parents[2] / "defaults" / "scenarios"


@dataclass(frozen=True, slots=True)
class Fact:
    """Something the customer knows and says only when the trainee asks for it."""

    key: str
    value: str
    asked_by: tuple[str, ...]  # lowercase cue words in the trainee's question


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    cause: str  # C1-C5
    difficulty: int  # 1-5
    channel: str
    name: str
    situation: str
    goal: str
    temperament: str
    patience: int  # mishandled replies the customer takes before they leave or escalate
    start_upset: float
    start_trust: float
    facts: tuple[Fact, ...]
    angered_by: Mapping[str, float]
    calmed_by: Mapping[str, float]
    success_upset_below: float
    success_trust_at_least: float
    needs: tuple[str, ...]  # calm events that must have happened at least once
    needs_facts: tuple[str, ...]  # facts the trainee must have asked for before a solution counts
    requires_boundary: bool  # abusive persona: calms only after a limit is set (P13)
    when_lost: str  # "abandoned" or "escalated"
    max_turns: int
    phone_style: bool
    lines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The `calmdesk roleplay list --json` item."""
        return {
            "id": self.id,
            "title": self.title,
            "cause": self.cause,
            "difficulty": self.difficulty,
        }

    def fact(self, key: str) -> Fact:
        return next(f for f in self.facts if f.key == key)


def _need(raw: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where}: '{key}' must be {kind.__name__}.")
    return value


def _unit(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{where} must be a number from 0 to 1.")
    return float(value)


def _weights(raw: object, allowed: tuple[str, ...], where: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping of event to weight.")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown events {unknown}; use {list(allowed)}.")
    return {str(k): _unit(v, f"{where}.{k}") for k, v in raw.items()}


def _lines(raw: object, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'lines' must be a mapping of kind to a list of phrasings.")
    out: dict[str, tuple[str, ...]] = {}
    for kind, variants in raw.items():
        if kind not in LINE_KINDS:
            raise ConfigError(f"{where}: unknown line kind '{kind}'; use {list(LINE_KINDS)}.")
        if not isinstance(variants, list) or not variants:
            raise ConfigError(f"{where}: lines.{kind} must be a non-empty list.")
        if not all(isinstance(v, str) and v.strip() for v in variants):
            raise ConfigError(f"{where}: lines.{kind} must hold non-empty strings.")
        out[str(kind)] = tuple(variants)
    if "opening" not in out:
        raise ConfigError(f"{where}: lines.opening is required.")
    return out


def _facts(raw: object, where: str) -> tuple[Fact, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'facts' must be a mapping.")
    facts = []
    for key, spec in raw.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("value"), str | int):
            raise ConfigError(f"{where}: facts.{key} needs a value.")
        cues = spec.get("asked_by")
        if not isinstance(cues, list) or not cues or not all(isinstance(c, str) for c in cues):
            raise ConfigError(f"{where}: facts.{key}.asked_by must be a list of words.")
        facts.append(Fact(str(key), str(spec["value"]), tuple(c.lower() for c in cues)))
    return tuple(facts)


def parse_scenario(raw: object, where: str = "scenario") -> Scenario:
    """Validate one scenario mapping; raises ConfigError saying what to fix."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a scenario must be a YAML mapping.")
    persona = _need(raw, "persona", dict, where)
    start = _need(raw, "start", dict, where)
    success = _need(raw, "success", dict, where)
    cause = _need(raw, "cause", str, where)
    temperament = _need(persona, "temperament", str, f"{where}.persona")
    if cause not in CAUSES:
        raise ConfigError(f"{where}: cause must be one of {list(CAUSES)}.")
    if temperament not in TEMPERAMENTS:
        raise ConfigError(f"{where}: temperament must be one of {sorted(TEMPERAMENTS)}.")
    difficulty = _need(raw, "difficulty", int, where)
    if not 1 <= difficulty <= 5:
        raise ConfigError(f"{where}: difficulty must be 1-5.")
    facts = _facts(raw.get("facts"), where)
    needs = tuple(success.get("needs") or ())
    needs_facts = tuple(success.get("needs_facts") or ())
    if set(needs) - set(_NEEDS) or set(needs_facts) - {f.key for f in facts}:
        raise ConfigError(f"{where}: success.needs / needs_facts name unknown events or facts.")
    when_lost = str(raw.get("when_lost", "abandoned"))
    if when_lost not in ("abandoned", "escalated"):
        raise ConfigError(f"{where}: when_lost must be 'abandoned' or 'escalated'.")
    max_turns = raw.get("max_turns", 8)
    if not isinstance(max_turns, int) or not 2 <= max_turns <= 30:
        raise ConfigError(f"{where}: max_turns must be 2-30.")
    return Scenario(
        id=_need(raw, "id", str, where),
        title=_need(raw, "title", str, where),
        cause=cause,
        difficulty=difficulty,
        channel=str(raw.get("channel", "chat")),
        name=_need(persona, "name", str, f"{where}.persona"),
        situation=_need(raw, "situation", str, where),
        goal=_need(raw, "goal", str, where),
        temperament=temperament,
        patience=int(_need(persona, "patience", int, f"{where}.persona")),
        start_upset=_unit(start.get("upset"), f"{where}: start.upset"),
        start_trust=_unit(start.get("trust"), f"{where}: start.trust"),
        facts=facts,
        angered_by=_weights(raw.get("angered_by", {}), ANGER_EVENTS, f"{where}: angered_by"),
        calmed_by=_weights(raw.get("calmed_by", {}), CALM_EVENTS, f"{where}: calmed_by"),
        success_upset_below=_unit(success.get("upset_below"), f"{where}: success.upset_below"),
        success_trust_at_least=_unit(success.get("trust_at_least"), f"{where}: success.trust"),
        needs=needs,
        needs_facts=needs_facts,
        requires_boundary=bool(raw.get("requires_boundary", False)),
        when_lost=when_lost,
        max_turns=max_turns,
        phone_style=bool(raw.get("phone_style", False)),
        lines=_lines(raw.get("lines"), where),
    )


def _read(path: Path) -> Scenario:
    if path.stat().st_size > _MAX_FILE_BYTES:
        raise ConfigError(f"{path.name}: over {_MAX_FILE_BYTES} bytes; a scenario is one persona.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: not readable YAML ({exc.__class__.__name__}).") from exc
    scenario = parse_scenario(raw, path.name)
    if scenario.id != path.stem:
        raise ConfigError(f"{path.name}: id '{scenario.id}' must match the file name.")
    return scenario


def load_scenarios(directory: Path) -> tuple[Scenario, ...]:
    """Every `*.yaml` scenario in `directory`, sorted by id; all valid or ConfigError."""
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a folder of scenario files.")
    return tuple(_read(p) for p in sorted(directory.glob("*.yaml")))


@cache
def default_scenarios() -> tuple[Scenario, ...]:
    """The scenarios shipped with calmdesk (src/calmdesk/defaults/scenarios)."""
    return load_scenarios(_DEFAULT_DIR)


def scenario_by_id(scenario_id: str, scenarios: tuple[Scenario, ...] | None = None) -> Scenario:
    found = {s.id: s for s in (scenarios if scenarios is not None else default_scenarios())}
    if scenario_id not in found:
        raise NotFound(
            f"There is no scenario '{scenario_id}'; `calmdesk roleplay list` shows them."
        )
    return found[scenario_id]
