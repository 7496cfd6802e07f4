"""Reading a German, Spanish, French, Portuguese or Italian turn with that language's cues.

`read_cues(text, code)` returns the requests, threats and abuse found (with spans, as the English
rules give them) and tone pieces (negative words, waiting, thanks, urgency, each 0-1) that the
customer scorers add to the English reading. For English and unsupported languages it finds
nothing: English has its own rule modules, and an unsupported language is flagged instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from calmdesk.analysis.language.cues import CUES, LanguageCues
from calmdesk.analysis.patterns import MAX_SPANS, AbuseFindings, Hit, combine, keep_widest
from calmdesk.domain.signals import AbuseKind, Mention, MentionKind, Span

__all__ = ["CueFindings", "read_cues"]

_FLAGS = re.IGNORECASE | re.UNICODE
_NEGATIONS: dict[str, re.Pattern[str]] = {
    code: re.compile(cues.negation, _FLAGS) for code, cues in CUES.items()
}


@dataclass(frozen=True, slots=True)
class CueFindings:
    """What one language's cues found in a turn; tone pieces are 0-1."""

    requests: list[Mention] = field(default_factory=list)
    threats: list[Mention] = field(default_factory=list)
    abuse: AbuseFindings = field(default_factory=AbuseFindings)
    negative: float = 0.0
    waiting: float = 0.0
    gratitude: float = 0.0
    urgency: float = 0.0
    irony: float = 0.0  # praise said the other way round ("danke für nichts", "bravo ...")


_NOTHING = CueFindings()


def _hits(text: str, rules: tuple[object, ...], negation: re.Pattern[str] | None) -> list[Hit]:
    hits: list[Hit] = []
    for rule in rules:
        for match in rule.pattern.finditer(text):  # type: ignore[attr-defined]
            if match.end() == match.start():
                continue
            if negation is not None and negation.search(
                text[max(0, match.start() - 30) : match.start()]
            ):
                continue
            span = Span(match.start(), match.end(), match.group(0), rule.label)  # type: ignore[attr-defined]
            hits.append(Hit(rule.label, rule.weight, span))  # type: ignore[attr-defined]
    return keep_widest(hits)


def _mentions(hits: list[Hit]) -> list[Mention]:
    return [Mention(MentionKind(h.label), h.span) for h in hits][:MAX_SPANS]


def _tone(cues: LanguageCues, text: str, negation: re.Pattern[str]) -> dict[str, float]:
    by_label: dict[str, list[float]] = {}
    for hit in _hits(text, cues.tone, None):
        negated = negation.search(text[max(0, hit.span.start - 30) : hit.span.start])
        if negated and hit.label in ("strong", "moderate", "thanks", "urgent"):
            continue
        by_label.setdefault(hit.label, []).append(hit.weight)
    return {label: combine(weights) for label, weights in by_label.items()}


def read_cues(text: str, code: str) -> CueFindings:
    """Requests, threats, abuse and tone in `text` by the cues of language `code`."""
    cues = CUES.get(code)
    if cues is None or not text.strip():
        return _NOTHING
    negation = _NEGATIONS[code]
    requests = _hits(text, cues.requests, None)
    requests = [
        h
        for h in requests
        if h.label == MentionKind.REPEAT_CONTACT
        or not negation.search(text[max(0, h.span.start - 30) : h.span.start])
    ]
    threats = _hits(text, cues.threats, negation)
    abuse_hits = _hits(text, cues.abuse, None)[:MAX_SPANS]
    abuse = AbuseFindings(
        combine(h.weight for h in abuse_hits),
        list(dict.fromkeys(AbuseKind(h.label) for h in abuse_hits)),
        [h.span for h in abuse_hits],
    )
    tone = _tone(cues, text, negation)
    negative = combine((tone.get("strong", 0.0), tone.get("moderate", 0.0)))
    return CueFindings(
        _mentions(requests),
        _mentions(threats),
        abuse,
        negative,
        tone.get("waiting", 0.0),
        tone.get("thanks", 0.0),
        tone.get("urgent", 0.0),
        tone.get("irony", 0.0),
    )
