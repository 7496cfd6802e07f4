"""How review findings read to a person: tone kinds in plain words, evidence shown once.

The checks and the review keep their internal kinds (`calm_down`, `shouting`) as data; every text a
person reads (a check's fix, the CLI, the console) goes through here, so no snake_case name and no
span nested in another ("CALM", "CALM DOWN", "DOWN") reaches them.
"""

from __future__ import annotations

from collections.abc import Iterable

from calmdesk.domain import Span, ToneProblem

__all__ = ["TONE_WORDS", "join_words", "merge_spans", "tone_findings", "tone_words"]

TONE_WORDS: dict[str, str] = {
    "shouting": "capitals",
    "exclamations": "repeated exclamation marks",
    "sarcasm": "sarcasm",
    "calm_down": "'calm down'",
    "insult": "insults",
    "profanity": "swearing",
    "mirroring": "insults repeated back",
}


def tone_words(kind: str) -> str:
    """A tone kind in the words a person reads (an unknown kind loses its underscores)."""
    return TONE_WORDS.get(kind, kind.replace("_", " "))


def join_words(words: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c': each word once, in the order given."""
    unique = list(dict.fromkeys(words))
    if len(unique) <= 1:
        return "".join(unique)
    return f"{', '.join(unique[:-1])} and {unique[-1]}"


def _joined(a: Span, b: Span) -> Span:
    """The union of two overlapping or touching spans (b starts at or before a's end)."""
    if b.end <= a.end:
        return a
    text = a.text + b.text[a.end - b.start :]
    return Span(a.start, b.end, text, a.label if len(a.text) >= len(b.text) else b.label)


def merge_spans(*groups: Iterable[Span]) -> tuple[Span, ...]:
    """Spans in text order with every overlap merged into one span, so each word shows once."""
    ordered = sorted(
        {(s.start, s.end): s for group in groups for s in group}.values(),
        key=lambda s: (s.start, -s.end),
    )
    out: list[Span] = []
    for span in ordered:
        if out and span.start < out[-1].end:
            out[-1] = _joined(out[-1], span)
        else:
            out.append(span)
    return tuple(out)


def tone_findings(problems: Iterable[ToneProblem]) -> list[tuple[str, str]]:
    """(evidence, what is wrong in words) per merged span: ('CALM DOWN', "capitals and 'calm
    down'")."""
    items = list(problems)
    out: list[tuple[str, str]] = []
    for span in merge_spans(p.span for p in items):
        kinds = [p.kind for p in items if span.start <= p.span.start and p.span.end <= span.end]
        out.append((span.text, join_words(tone_words(k) for k in kinds)))
    return out
