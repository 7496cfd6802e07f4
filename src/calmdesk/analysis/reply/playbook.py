"""The per-company playbook file: which checks run, their weights, extra phrases, authority limits,
policy facts (the knowledge base P8 compares against) and whether agents may admit fault (P7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from calmdesk.analysis.reply.check_ids import CHECK_IDS
from calmdesk.domain.errors import ConfigError

if TYPE_CHECKING:
    from calmdesk.analysis.qa_settings import QaSettings

__all__ = [
    "Authority",
    "CheckSetting",
    "Playbook",
    "PolicyFact",
    "default_playbook",
    "load_playbook",
    "parse_playbook",
]

_MAX_FILE_BYTES = 512_000
_TOP_KEYS = frozenset(
    {"version", "checks", "authority", "facts", "admit_fault", "timezone", "business_days", "qa"}
)
_CHECK_KEYS = frozenset({"enabled", "weight", "phrases", "banned"})
_AUTH_KEYS = frozenset({"max_refund", "max_credit", "currency", "forbidden"})
_WEEKDAYS = frozenset({"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"})
_FACT_KEYS = frozenset({"name", "keywords", "value", "unit"})


@dataclass(frozen=True, slots=True)
class CheckSetting:
    """How one check runs: on or off, its weight in the score, and company phrases.

    `phrases` count as doing what the check asks; `banned` phrases make it fail."""

    enabled: bool = True
    weight: float = 1.0
    phrases: tuple[str, ...] = ()
    banned: tuple[str, ...] = ()


_DEFAULT_SETTING = CheckSetting()  # frozen: one instance serves every check the playbook omits


@dataclass(frozen=True, slots=True)
class Authority:
    """What an agent may promise without a supervisor (P11, P14)."""

    max_refund: float | None = None
    max_credit: float | None = None
    currency: str = "USD"
    forbidden: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyFact:
    """One knowledge-base fact: a sentence naming a keyword must state `value` `unit` (P8)."""

    name: str
    keywords: tuple[str, ...]
    value: float
    unit: str


def _qa(data: Any = None) -> QaSettings:
    """The `qa:` section (conversation QA weights, docs/qa.md). A weight may name a reply check
    or a conversation criterion (`CONVERSATION_WEIGHTS`). QA itself is never imported here."""
    from calmdesk.analysis.qa_settings import CONVERSATION_WEIGHTS, parse_qa

    if not (isinstance(data, Mapping) and data.get("weights")):
        return parse_qa(data, frozenset())
    return parse_qa(data, frozenset([*CHECK_IDS, *CONVERSATION_WEIGHTS]))


@dataclass(frozen=True, slots=True)
class Playbook:
    """A validated playbook: settings per check name, authority, policy facts."""

    checks: Mapping[str, CheckSetting] = field(default_factory=dict)
    authority: Authority = field(default_factory=Authority)
    facts: tuple[PolicyFact, ...] = ()
    admit_fault: bool = False
    timezone: str = "UTC"
    business_days: str = "Mon,Tue,Wed,Thu,Fri"
    qa: QaSettings = field(default_factory=_qa)

    def setting(self, name: str) -> CheckSetting:
        return self.checks.get(name, _DEFAULT_SETTING)


def _fail(where: str, what: str) -> ConfigError:
    return ConfigError(f"playbook {where}: {what}")


def _unknown(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise _fail(
            where,
            f"unknown key(s) {', '.join(map(str, extra))}; allowed: {', '.join(sorted(allowed))}",
        )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(where, f"expected a mapping, got {type(value).__name__}")
    return value


def _number(value: Any, where: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _fail(where, f"expected a number >= 0, got {value!r}")
    return float(value)


def _phrases(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise _fail(where, "expected a list of non-empty strings")
    return tuple(p.strip() for p in value)


def _check(name: str, raw: Any, known: frozenset[str]) -> CheckSetting:
    where = f"checks.{name}"
    if name not in known:
        raise _fail(where, f"no such check; known checks: {', '.join(sorted(known))}")
    data = _mapping(raw, where)
    _unknown(data, _CHECK_KEYS, where)
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(f"{where}.enabled", f"expected true or false, got {enabled!r}")
    weight = _number(data.get("weight", 1.0), f"{where}.weight")
    assert weight is not None
    return CheckSetting(
        enabled=enabled,
        weight=weight,
        phrases=_phrases(data.get("phrases"), f"{where}.phrases"),
        banned=_phrases(data.get("banned"), f"{where}.banned"),
    )


def _authority(raw: Any) -> Authority:
    data = _mapping(raw, "authority")
    _unknown(data, _AUTH_KEYS, "authority")
    currency = data.get("currency", "USD")
    if not isinstance(currency, str) or not currency.strip():
        raise _fail("authority.currency", "expected a currency code such as USD")
    return Authority(
        max_refund=_number(data.get("max_refund"), "authority.max_refund", optional=True),
        max_credit=_number(data.get("max_credit"), "authority.max_credit", optional=True),
        currency=currency.strip().upper(),
        forbidden=_phrases(data.get("forbidden"), "authority.forbidden"),
    )


def _fact(raw: Any, index: int) -> PolicyFact:
    where = f"facts[{index}]"
    data = _mapping(raw, where)
    _unknown(data, _FACT_KEYS, where)
    name, unit = data.get("name"), data.get("unit")
    if not isinstance(name, str) or not name.strip():
        raise _fail(f"{where}.name", "expected a non-empty name")
    if not isinstance(unit, str) or not unit.strip():
        raise _fail(f"{where}.unit", "expected a unit such as 'business days'")
    keywords = _phrases(data.get("keywords"), f"{where}.keywords")
    if not keywords:
        raise _fail(f"{where}.keywords", "expected at least one keyword")
    value = _number(data.get("value"), f"{where}.value")
    assert value is not None
    return PolicyFact(name=name.strip(), keywords=keywords, value=value, unit=unit.strip().lower())


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(value)
    except (TypeError, ValueError, ZoneInfoNotFoundError) as exc:
        raise _fail(
            "timezone", f"{value!r} is not an IANA time zone such as Europe/Berlin"
        ) from exc
    return str(value)


def _business_days(value: Any) -> str:
    days = value.split(",") if isinstance(value, str) else None
    if not days or any(d.strip()[:3].title() not in _WEEKDAYS for d in days):
        raise _fail("business_days", f"expected weekday names like 'Mon,Tue,Wed', got {value!r}")
    return ",".join(d.strip()[:3].title() for d in days)


def parse_playbook(data: Any, known_checks: frozenset[str] | None = None) -> Playbook:
    """Validate a playbook already read into Python values; raise ConfigError naming the fault."""
    if known_checks is None:
        known_checks = frozenset(CHECK_IDS)
    top = _mapping(data, "file")
    _unknown(top, _TOP_KEYS, "file")
    checks = {
        n: _check(str(n), c, known_checks) for n, c in _mapping(top.get("checks"), "checks").items()
    }
    facts_raw = top.get("facts") or []
    if not isinstance(facts_raw, list):
        raise _fail("facts", "expected a list of facts")
    admit_fault = top.get("admit_fault", False)
    if not isinstance(admit_fault, bool):
        raise _fail("admit_fault", f"expected true or false, got {admit_fault!r}")
    return Playbook(
        checks=checks,
        authority=_authority(top.get("authority")),
        facts=tuple(_fact(f, i) for i, f in enumerate(facts_raw)),
        admit_fault=admit_fault,
        timezone=_timezone(top.get("timezone", "UTC")),
        business_days=_business_days(top.get("business_days", "Mon,Tue,Wed,Thu,Fri")),
        qa=_qa(top.get("qa")),
    )


def _parse_text(text: str, source: str) -> Playbook:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"playbook {source} is not valid YAML: {str(exc).splitlines()[0]}"
        ) from exc
    return parse_playbook(data)


def load_playbook(path: Path | str) -> Playbook:
    """Read and validate a playbook YAML file (see docs/playbook-checks.md for its keys)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"playbook file {path} cannot be read: {exc.strerror}") from exc
    if len(raw) > _MAX_FILE_BYTES:
        raise ConfigError(f"playbook file {path} is larger than {_MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"playbook file {path} is not UTF-8 text") from exc
    return _parse_text(text, str(path))


@cache
def default_playbook() -> Playbook:
    """The documented default file shipped in `calmdesk/defaults/playbook.yaml`."""
    text = resources.files("calmdesk").joinpath("defaults/playbook.yaml").read_text("utf-8")
    return _parse_text(text, "defaults/playbook.yaml")
