"""What a customer-turn scorer sees: the cleaned text, model scores, vector and earlier turns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from calmdesk.analysis.language.reading import CueFindings, read_cues
from calmdesk.analysis.patterns import combine
from calmdesk.analysis.tone import Tone, read_tone
from calmdesk.domain.signals import EMOTIONS, CustomerSignals

__all__ = ["Encode", "HeadRow", "TurnContext"]

Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class HeadRow:
    """The model heads' scores for one text: an emotion distribution and four 0-1 scores.

    For a turn not in English the five come from the multilingual heads. `sarcasm` and `cause`
    (topic probabilities over `customer.heads.CAUSE_TOPICS`) come from the customer heads;
    `language` is the detected ISO 639-1 code and `language_supported` whether calmdesk reads it.
    `vector` is the text's multilingual sentence vector, which the learned customer signals read.
    """

    emotion: dict[str, float]
    anger: float
    offensive: float
    complaint: float
    politeness: float
    sarcasm: float = 0.0
    cause: dict[str, float] = field(default_factory=dict)
    language: str = "en"
    language_supported: bool = True
    vector: np.ndarray | None = field(default=None, compare=False)  # multilingual, for the
    # learned customer signals (`customer.model`); None where no heads ran (an empty text)

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
    cues: CueFindings = field(default_factory=CueFindings)

    @property
    def language(self) -> str:
        return self.heads.language

    @classmethod
    def build(cls, text: str, heads: HeadRow, **rest: object) -> TurnContext:
        """A context whose tone is read from `text`, with its language's own cues added."""
        tone = read_tone(text)
        cues = read_cues(text, heads.language)
        if cues is not None and heads.language != "en":
            tone = replace(
                tone,
                negative=combine((tone.negative, cues.negative)),
                gratitude=combine((tone.gratitude, cues.gratitude * (1.0 - cues.irony))),
                urgency=combine((tone.urgency, cues.urgency)),
                waiting=combine((tone.waiting, cues.waiting)),
            )
        return cls(text, heads, tone, **rest, cues=cues)  # type: ignore[arg-type]
