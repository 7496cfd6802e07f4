"""The knowledge base: policy facts, remedies per cause and who helps next (P8, P9, P10, P14).

The documented default is `calmdesk/defaults/knowledge_base.yaml`; a company points
`Settings.knowledge_base_path` at its own copy. Option sentences may name facts as `{fact_id}`;
they are filled in with the fact's value and unit ("5 business days").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from calmdesk.analysis.reply.playbook import PolicyFact
from calmdesk.domain.errors import ConfigError

__all__ = [
    "CauseAdvice",
    "Escalation",
    "Fact",
    "KnowledgeBase",
    "default_knowledge_base",
    "load_knowledge_file",
    "parse_knowledge_base",
]

_MAX_BYTES = 512_000
_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
_DEFAULT_QUESTION = "Could you tell me a little more about what happened?"


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    name: str
    keywords: tuple[str, ...]
    value: float
    unit: str

    def says(self) -> str:
        """The fact as words: "5 business days", "1 business day"."""
        unit = self.unit[:-1] if self.value == 1 and self.unit.endswith("s") else self.unit
        return f"{self.value:g} {unit}"


@dataclass(frozen=True, slots=True)
class Escalation:
    who: str = "a customer care supervisor"
    action: str = "will call you back"
    within: str | None = None  # a fact id
    role: str = "supervisor"


@dataclass(frozen=True, slots=True)
class CauseAdvice:
    concern: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """A validated knowledge base; `render` fills fact placeholders in a sentence."""

    company: str = ""
    facts: Mapping[str, Fact] = field(default_factory=dict)
    causes: Mapping[str, CauseAdvice] = field(default_factory=dict)
    escalation: Escalation = field(default_factory=Escalation)
    clarifying_question: str = _DEFAULT_QUESTION

    def render(self, sentence: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.facts[m.group(1)].says(), sentence)

    def advice(self, cause: str) -> CauseAdvice:
        return self.causes.get(cause) or self.causes.get("other") or CauseAdvice("this")

    def policy_facts(self) -> tuple[PolicyFact, ...]:
        """The facts in the shape the review's policy check (P8) compares against."""
        return tuple(PolicyFact(f.name, f.keywords, f.value, f.unit) for f in self.facts.values())


def _fail(where: str, what: str) -> ConfigError:
    return ConfigError(f"knowledge base {where}: {what}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(where, f"expected a mapping, got {type(value).__name__}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "expected non-empty text")
    return " ".join(value.split())


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(where, "expected a list of sentences")
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(value))


def _fact(raw: Any, index: int) -> Fact:
    where = f"facts[{index}]"
    data = _mapping(raw, where)
    value = data.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _fail(f"{where}.value", f"expected a number >= 0, got {value!r}")
    fid = _text(data.get("id"), f"{where}.id")
    if not re.fullmatch(r"[a-z0-9_]+", fid):
        raise _fail(f"{where}.id", "use lower-case letters, digits and underscores")
    keywords = _texts(data.get("keywords"), f"{where}.keywords")
    if not keywords:
        raise _fail(f"{where}.keywords", "expected at least one keyword")
    name = _text(data.get("name", fid), f"{where}.name")
    return Fact(fid, name, keywords, float(value), _text(data.get("unit"), f"{where}.unit").lower())


def _check_placeholders(kb: KnowledgeBase) -> None:
    for cause, advice in kb.causes.items():
        for sentence in advice.options:
            for name in _PLACEHOLDER.findall(sentence):
                if name not in kb.facts:
                    raise _fail(f"causes.{cause}", f"{{{name}}} names no fact id")
    if kb.escalation.within is not None and kb.escalation.within not in kb.facts:
        raise _fail("escalation.within", f"{kb.escalation.within!r} names no fact id")


def parse_knowledge_base(data: Any) -> KnowledgeBase:
    """Validate a knowledge base already read into Python values; ConfigError names the fault."""
    top = _mapping(data, "file")
    facts_raw = top.get("facts") or []
    if not isinstance(facts_raw, list):
        raise _fail("facts", "expected a list of facts")
    facts = {f.id: f for f in (_fact(raw, i) for i, raw in enumerate(facts_raw))}
    causes = {
        str(name): CauseAdvice(
            _text(_mapping(raw, f"causes.{name}").get("concern"), f"causes.{name}.concern"),
            _texts(_mapping(raw, f"causes.{name}").get("options"), f"causes.{name}.options"),
        )
        for name, raw in _mapping(top.get("causes"), "causes").items()
    }
    esc = _mapping(top.get("escalation"), "escalation")
    base_esc = Escalation()
    kb = KnowledgeBase(
        company=str(top.get("company") or ""),
        facts=facts,
        causes=causes,
        escalation=Escalation(
            who=_text(esc.get("who", base_esc.who), "escalation.who"),
            action=_text(esc.get("action", base_esc.action), "escalation.action"),
            within=esc.get("within"),
            role=_text(esc.get("role", base_esc.role), "escalation.role"),
        ),
        clarifying_question=_text(
            top.get("clarifying_question", _DEFAULT_QUESTION),
            "clarifying_question",
        ),
    )
    _check_placeholders(kb)
    return kb


def _parse_text(text: str, source: str) -> KnowledgeBase:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"knowledge base {source} is not valid YAML: {first}") from exc
    return parse_knowledge_base(data)


def load_knowledge_file(path: Path | str) -> KnowledgeBase:
    """Read and validate one knowledge base file (YAML). A folder of Markdown articles is read
    by `calmdesk.analysis.kb.load_knowledge_base`, which builds on this module."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"knowledge base file {path} cannot be read: {exc.strerror}") from exc
    if len(raw) > _MAX_BYTES:
        raise ConfigError(f"knowledge base file {path} is larger than {_MAX_BYTES} bytes")
    try:
        return _parse_text(raw.decode("utf-8"), str(path))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"knowledge base file {path} is not UTF-8 text") from exc


@cache
def default_knowledge_base() -> KnowledgeBase:
    """The demo knowledge base shipped in `calmdesk/defaults/knowledge_base.yaml`."""
    text = resources.files("calmdesk").joinpath("defaults/knowledge_base.yaml").read_text("utf-8")
    return _parse_text(text, "defaults/knowledge_base.yaml")
