"""Stored analyses back into domain objects: the `signals` of `calmdesk analyze` output (and of
stored turns) as CustomerSignals / AgentSignals, so QA reuses them instead of analysing again.

The decoder follows the dataclasses' own type hints, so a field added to the signals later is read
without a change here; keys it does not know are ignored and missing keys take the field's default
(a missing field without a default is an error naming it).

`stored_customer_signals` is the forgiving reading for pages and the bot: a field it cannot read
takes its default, an unreadable item of a list is dropped, and only a missing or unreadable field
without a default makes the whole reading unusable (None)."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from calmdesk import domain
from calmdesk.domain import (
    AgentSignals,
    ConversationAnalysis,
    CustomerSignals,
    MalformedInput,
    Review,
    Role,
    Trend,
    TurnAnalysis,
)

__all__ = [
    "analysis_from_record",
    "review_from_json",
    "signals_from_json",
    "stored_customer_signals",
]

Convert = Callable[[Any, "str | None"], Any]
"""A converter takes the value and where it is; `where` is None on the fast first pass (no path
strings built), and an error there makes the caller decode again with paths for the message."""

_PLANS: dict[type, tuple[tuple[str, Convert, bool], ...]] = {}
_ITEMS: dict[type, dict[str, Convert]] = {}
"""Per dataclass, the item converter of each list field (for the forgiving reading)."""
_NAMES = {name: getattr(domain, name) for name in domain.__all__}


def _at(where: str | None, child: str) -> str | None:
    return None if where is None else f"{where}{child}"


def _bad(where: str | None, what: str) -> MalformedInput:
    return MalformedInput(f"{where or 'a field'} {what}")


def _float(value: Any, where: str | None) -> float:
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return float(value)
    raise _bad(where, "must be a float.")


def _int(value: Any, where: str | None) -> int:
    if type(value) is int:
        return value
    raise _bad(where, "must be a int.")


def _str(value: Any, where: str | None) -> str:
    if type(value) is str:
        return value
    raise _bad(where, "must be a str.")


def _bool(value: Any, where: str | None) -> bool:
    if type(value) is bool:
        return value
    raise _bad(where, "must be a bool.")


_SCALARS: dict[Any, Convert] = {float: _float, int: _int, str: _str, bool: _bool}


def _enum(kind: type[Enum]) -> Convert:
    members = {m.value: m for m in kind}

    def convert(value: Any, where: str | None) -> Any:
        found = members.get(value) if isinstance(value, str) else None
        if found is None:
            raise _bad(where, f"has an unknown value {str(value)[:30]!r}.")
        return found

    return convert


def _time(value: Any, where: str | None) -> datetime:
    if not isinstance(value, str):
        raise _bad(where, "must be an ISO-8601 string.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(where, "is not an ISO-8601 date and time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _optional(inner: Convert) -> Convert:
    return lambda value, where: None if value is None else inner(value, where)


def _sequence(inner: Convert, as_tuple: bool) -> Convert:
    def convert(value: Any, where: str | None) -> Any:
        if type(value) is not list:
            raise _bad(where, "must be a list.")
        if where is None:
            items = [inner(v, None) for v in value]
        else:
            items = [inner(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if as_tuple else items

    return convert


def _mapping(inner: Convert) -> Convert:
    def convert(value: Any, where: str | None) -> Any:
        if not isinstance(value, Mapping):
            raise _bad(where, "must be an object.")
        return {str(k): inner(v, _at(where, f".{k}")) for k, v in value.items()}

    return convert


def _converter(hint: Any) -> Convert:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _optional(_converter(inner[0]))
        raise TypeError(f"cannot decode {hint}")
    if origin in (list, Sequence):
        return _sequence(_converter(args[0]), as_tuple=False)
    if origin is tuple:
        return _sequence(_converter(args[0]), as_tuple=True)
    if origin in (dict, Mapping):
        return _mapping(_converter(args[1]))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _enum(hint)
    if hint is datetime:
        return _time
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda value, where: _dataclass(hint, value, where)
    if hint in _SCALARS:
        return _SCALARS[hint]
    raise TypeError(f"cannot decode {hint}")


def _plan(kind: type) -> tuple[tuple[str, Convert, bool], ...]:
    plan = _PLANS.get(kind)
    if plan is None:
        hints = typing.get_type_hints(kind, localns=_NAMES)
        steps = []
        for f in dataclasses.fields(kind):
            has_default = f.default is not dataclasses.MISSING or (
                f.default_factory is not dataclasses.MISSING
            )
            steps.append((f.name, _converter(hints[f.name]), has_default))
        plan = _PLANS[kind] = tuple(steps)
        _ITEMS[kind] = {
            f.name: _converter(typing.get_args(hints[f.name])[0])
            for f in dataclasses.fields(kind)
            if typing.get_origin(hints[f.name]) in (list, Sequence)
        }
    return plan


def _dataclass(kind: type, value: Any, where: str | None) -> Any:
    if not isinstance(value, Mapping):
        raise _bad(where, "must be an object.")
    kwargs: dict[str, Any] = {}
    for name, convert, has_default in _plan(kind):
        if name in value:
            kwargs[name] = convert(value[name], None if where is None else f"{where}.{name}")
        elif not has_default:
            raise _bad(_at(where, f".{name}"), "is missing.")
    return kind(**kwargs)


_TREND = _enum(Trend)


def _decode(kind: type, value: Any, where: str) -> Any:
    """Fast pass without paths; on a fault, again with paths so the message names the field."""
    try:
        return _dataclass(kind, value, None)
    except MalformedInput:
        return _dataclass(kind, value, where)


def _forgiving(kind: type, value: Any) -> Any:
    if not isinstance(value, Mapping):
        return None
    plan = _plan(kind)
    items = _ITEMS[kind]
    kwargs: dict[str, Any] = {}
    for name, convert, has_default in plan:
        if name not in value:
            if not has_default:
                return None
            continue
        try:
            kwargs[name] = convert(value[name], None)
        except MalformedInput:
            raw = value[name]
            if name in items and type(raw) is list:
                kwargs[name] = [v for v in (_or_none(items[name], x) for x in raw) if v is not None]
            elif not has_default:
                return None
    return kind(**kwargs)


def _or_none(convert: Convert, value: Any) -> Any:
    try:
        return convert(value, None)
    except MalformedInput:
        return None


def stored_customer_signals(data: object) -> CustomerSignals | None:
    """A customer turn's stored signals, read forgivingly (see the module's doc); None when the
    numbers every reading has are missing or unreadable."""
    signals: CustomerSignals | None = _forgiving(CustomerSignals, data)
    return signals


def signals_from_json(role: Role, data: object, where: str = "signals") -> Any:
    """The signals of one turn: CustomerSignals for a customer, AgentSignals for an agent or bot."""
    return _decode(CustomerSignals if role is Role.CUSTOMER else AgentSignals, data, where)


def review_from_json(data: object, where: str = "review") -> Review:
    """A stored review (`to_jsonable(Review)`) back as a Review."""
    review: Review = _decode(Review, data, where)
    return review


def analysis_from_record(
    cid: str, roles: Sequence[Role], signals: Sequence[object], record: Mapping[str, Any]
) -> ConversationAnalysis:
    """A ConversationAnalysis from stored signals (one per turn) and the analysis's `trend`,
    `escalation_risk` and `reasons` (defaults: steady, 0, none)."""
    turns = [
        TurnAnalysis(role, signals_from_json(role, raw, f"turns[{i}].signals"))
        for i, (role, raw) in enumerate(zip(roles, signals, strict=True))
    ]
    trend = _TREND(record.get("trend", "steady"), "trend")
    risk = _float(record.get("escalation_risk", 0.0), "escalation_risk")
    reasons = _sequence(_str, False)(record.get("reasons", []), "reasons")
    return ConversationAnalysis(cid, turns, trend, risk, reasons)
