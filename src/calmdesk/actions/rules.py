"""Escalation rules as data (`defaults/escalation_rules.yaml`), evaluated safely with simpleeval."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from simpleeval import EvalWithCompoundTypes, InvalidExpression

from calmdesk.domain import ConfigError

__all__ = ["Firing", "Rule", "RuleSet", "evaluate", "load_rules", "parse_rules"]

_EVENTS = {"customer_turn", "agent_reply"}
_TARGETS = {"supervisor", "team", "none"}
_PRIORITIES = {"low", "normal", "high", "urgent"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
_FIELD = re.compile(r"\{([a-z_]+)\}")
_FUNCTIONS = {"len": len, "any": any, "all": all, "max": max, "min": min}


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    event: str
    when: str
    reason: str
    escalate_to: str = "supervisor"
    priority: str = "high"
    playbook: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule that matched, with its reason filled in from the facts."""

    rule: Rule
    reason: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    timers: dict[str, Any] = field(default_factory=dict)

    def response_minutes(self, channel: str) -> int:
        return int(self.timers.get("response_minutes", {}).get(channel, 60))

    @property
    def reminder_lead_minutes(self) -> int:
        return int(self.timers.get("reminder_lead_minutes", 120))

    @property
    def follow_up_after_hours(self) -> int:
        return int(self.timers.get("follow_up_after_hours", 48))


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules at `path`, or the packaged defaults; ConfigError says what is wrong."""
    if path is None:
        text = resources.files("calmdesk.defaults").joinpath("escalation_rules.yaml").read_text()
        source = "the packaged escalation_rules.yaml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Cannot read the escalation rules file {path}: {exc}") from exc
        source = str(path)
    return parse_rules(text, source)


def parse_rules(text: str, source: str = "the rules") -> RuleSet:
    """Parse and check rules YAML: unique names, known events/targets, conditions that compile."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ConfigError(f"{source} must be a mapping with a `rules` list.")
    rules = tuple(_rule(item, source) for item in data["rules"])
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ConfigError(f"{source} names a rule twice; rule names must be unique.")
    return RuleSet(rules=rules, timers=dict(data.get("timers") or {}))


def _rule(item: object, source: str) -> Rule:
    if not isinstance(item, dict):
        raise ConfigError(f"{source}: every rule must be a mapping.")
    try:
        rule = Rule(
            name=str(item["name"]),
            event=str(item["event"]),
            when=str(item["when"]),
            reason=str(item.get("reason", "")),
            escalate_to=str(item.get("escalate_to", "supervisor")),
            priority=str(item.get("priority", "high")),
            playbook=tuple(str(p) for p in item.get("playbook", [])),
        )
    except KeyError as exc:
        raise ConfigError(f"{source}: a rule is missing {exc.args[0]!r}.") from exc
    _check(rule, source)
    return rule


def _check(rule: Rule, source: str) -> None:
    problems = [
        (not _NAME.match(rule.name), "name must be lower_snake_case"),
        (rule.event not in _EVENTS, f"`event` must be one of {sorted(_EVENTS)}"),
        (rule.escalate_to not in _TARGETS, f"`escalate_to` must be one of {sorted(_TARGETS)}"),
        (rule.priority not in _PRIORITIES, f"`priority` must be one of {sorted(_PRIORITIES)}"),
    ]
    for failed, message in problems:
        if failed:
            raise ConfigError(f"{source}: rule {rule.name!r}: {message}.")
    try:
        EvalWithCompoundTypes(functions=_FUNCTIONS).parse(rule.when)
    except (SyntaxError, InvalidExpression) as exc:
        raise ConfigError(f"{source}: rule {rule.name!r} has a bad condition: {exc}") from exc


def evaluate(rules: RuleSet, event: str, facts: dict[str, Any]) -> list[Firing]:
    """The rules for `event` whose condition holds over `facts`, in file order."""
    evaluator = EvalWithCompoundTypes(names=facts, functions=_FUNCTIONS)
    fired = []
    for rule in rules.rules:
        if rule.event != event:
            continue
        try:
            matched = bool(evaluator.eval(rule.when, _parsed(rule.when)))
        except (InvalidExpression, TypeError, ValueError, ZeroDivisionError) as exc:
            raise ConfigError(f"Escalation rule {rule.name!r} failed to evaluate: {exc}") from exc
        if matched:
            fired.append(Firing(rule=rule, reason=_fill(rule.reason or rule.name, facts)))
    return fired


@functools.lru_cache(maxsize=1024)
def _parsed(when: str) -> Any:
    """A condition's syntax tree, parsed once (evaluating only reads it): every posted turn
    evaluates the same few conditions, and parsing was most of their cost."""
    return EvalWithCompoundTypes(functions=_FUNCTIONS).parse(when)


def _fill(template: str, facts: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        got = facts.get(match.group(1), match.group(0))
        return f"{got:.2f}" if isinstance(got, float) else str(got)

    return _FIELD.sub(value, template)
