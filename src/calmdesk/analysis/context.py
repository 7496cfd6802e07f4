"""What a customer-turn scorer sees: the cleaned text, model scores, vector and earlier turns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from calmdesk.analysis.tone import Tone, read_tone
from calmdesk.domain.signals import EMOTIONS, CustomerSignals

__all__ = ["Encode", "HeadRow", "TurnContext"]

Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class HeadRow:
    """The model heads' scores for one text: an emotion distribution and four 0-1 scores."""

    emotion: dict[str, float]
    anger: float
    offensive: float
    complaint: float
    politeness: float

    @classmethod
    def neutral(cls) -> HeadRow:
        """Scores of an empty text: calm, neutral, neither polite nor rude."""
        emotion = dict.fromkeys(EMOTIONS, 0.0)
        emotion["neutral"] = 1.0
        return cls(emotion, 0.0, 0.0, 0.0, 0.5)


@dataclass(frozen=True, slots=True)
class TurnContext:
    """One customer turn as the scorers see it; `history` holds earlier customer turns' signals."""

    text: str
    heads: HeadRow
    tone: Tone
    embedding: np.ndarray | None = None
    encode: Encode | None = None
    history: tuple[CustomerSignals, ...] = ()
    at: datetime | None = None
    first_at: datetime | None = None
    truncated: bool = False

    @classmethod
    def build(cls, text: str, heads: HeadRow, **rest: object) -> TurnContext:
        """A context whose tone is read from `text`."""
        return cls(text, heads, read_tone(text), **rest)  # type: ignore[arg-type]
