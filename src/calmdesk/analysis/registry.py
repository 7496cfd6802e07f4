"""Customer-turn scorers registered by name, each declaring what it needs and which fields it sets.

Scorers run in registration order and each sees the fields set before it, so `upset` (last) can
use `anger`, `abuse` and `complaint`. The list of names is checked in `tests/analysis/scorers.txt`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from calmdesk.analysis.context import TurnContext
from calmdesk.domain.errors import UnsupportedValue

__all__ = ["NEEDS", "Scorer", "ScorerFn", "needs_of", "register", "scorer", "scorers"]

NEEDS = frozenset({"text", "heads", "embedding", "history"})
"""What a scorer may need: the turn's text, the model heads, its vector, earlier turns."""

ScorerFn = Callable[[TurnContext, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Scorer:
    name: str
    needs: frozenset[str]
    sets: tuple[str, ...]
    fn: ScorerFn

    def __call__(self, ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
        return self.fn(ctx, done)


_REGISTRY: dict[str, Scorer] = {}


def register(
    name: str, *, needs: Iterable[str], sets: Iterable[str]
) -> Callable[[ScorerFn], ScorerFn]:
    """Decorator: add `fn` to the registry under `name`."""
    wanted = frozenset(needs)
    if unknown := wanted - NEEDS:
        raise UnsupportedValue(f"Scorer {name!r} needs unknown inputs: {sorted(unknown)}.")
    if name in _REGISTRY:
        raise UnsupportedValue(f"A scorer named {name!r} is already registered.")

    def add(fn: ScorerFn) -> ScorerFn:
        _REGISTRY[name] = Scorer(name, wanted, tuple(sets), fn)
        return fn

    return add


def scorers() -> tuple[Scorer, ...]:
    """Every registered scorer, in the order they run."""
    return tuple(_REGISTRY.values())


def scorer(name: str) -> Scorer:
    """The scorer called `name`; UnsupportedValue names the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(_REGISTRY)
        raise UnsupportedValue(f"No scorer named {name!r}; known: {known}.") from None


def needs_of(names: Iterable[str] | None = None) -> frozenset[str]:
    """Union of what the named scorers (default: all) need."""
    chosen = scorers() if names is None else tuple(scorer(n) for n in names)
    return frozenset().union(*(s.needs for s in chosen))
