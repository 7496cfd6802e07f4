"""Pickles of analyses for the helper process, written as constructor calls (same objects back).

An analysis is a tree of small slotted dataclasses (a 5-turn conversation holds about 26 check
results, 90 floats and 85 strings). Pickle writes a slotted dataclass through Python-level code:
`copyreg` for a plain one, the dataclass's own `__getstate__` / `__setstate__` for a frozen one,
each walking `dataclasses.fields` per object. Here such a class is written as `(cls, field
values)`, the values read by one `operator.attrgetter`, and read back by calling the class: 51 ->
12 us a turn to write and 50 -> 9 to read (3,000 turns of 5-turn conversations, one process).
The objects read back are equal, field for field, to those written.

Only classes for which the call gives the same object are written so: slotted dataclasses (no
instance `__dict__` to lose) whose every field is an `__init__` argument, with no `__post_init__`
and no pickling methods of their own. Every other object is pickled as pickle always does.
"""

from __future__ import annotations

import copyreg
import dataclasses
import inspect
import io
import operator
import pickle
from collections.abc import Callable
from typing import IO, Any

__all__ = ["dump", "dumps"]

_PROTOCOL = 5

Reducer = Callable[[Any], tuple[Any, tuple[Any, ...]]]


def _own_state_methods(cls: type) -> bool:
    """Whether `cls` pickles itself in a way of its own (other than the dataclass's)."""
    for name in ("__reduce_ex__", "__reduce__"):
        if getattr(cls, name) is not getattr(object, name):
            return True
    for name in ("__getstate__", "__setstate__", "__getnewargs__", "__getnewargs_ex__"):
        method = getattr(cls, name, None)
        if method is None or method is getattr(object, name, None):
            continue
        if getattr(method, "__qualname__", "").startswith("_dataclass_"):
            continue  # what `dataclass(frozen=True, slots=True)` adds
        return True
    return False


def reducer(cls: type) -> Reducer | None:
    """`(cls, values)` for instances of `cls`, or None where calling `cls` would not give the
    same object back."""
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return None
    if getattr(cls, "__dictoffset__", 1) != 0 or hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    if not fields or not all(f.init for f in fields) or _own_state_methods(cls):
        return None
    names = tuple(f.name for f in fields)
    try:
        params = list(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return None
    if tuple(params) != names:  # an InitVar, or an `__init__` of its own
        return None
    if len(names) == 1:
        (name,) = names
        return lambda obj: (cls, (getattr(obj, name),))
    get = operator.attrgetter(*names)
    return lambda obj: (cls, get(obj))


class _Table(dict[type, Any]):
    """copyreg's reducers, plus a reducer found on first sight for each eligible dataclass."""

    def __init__(self) -> None:
        super().__init__(copyreg.dispatch_table)
        self._others: set[type] = set()

    def __missing__(self, cls: type) -> Reducer:
        if cls not in self._others:
            found = reducer(cls)
            if found is not None:
                self[cls] = found
                return found
            self._others.add(cls)
        raise KeyError(cls)


_TABLE = _Table()


def dump(obj: Any, file: IO[bytes]) -> None:
    """`pickle.dump(obj, file, 5)`, eligible dataclasses written as constructor calls."""
    pickler = pickle.Pickler(file, _PROTOCOL)
    pickler.dispatch_table = _TABLE
    pickler.dump(obj)


def dumps(obj: Any) -> bytes:
    """`pickle.dumps(obj, 5)`, eligible dataclasses written as constructor calls."""
    buffer = io.BytesIO()
    dump(obj, buffer)
    return buffer.getvalue()
