"""Where in a turn's text something was found: the evidence every signal and check points at."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Span"]


@dataclass(frozen=True, slots=True)
class Span:
    """Characters [start, end) of the turn's text, with what was found there."""

    start: int
    end: int
    text: str
    label: str = ""
