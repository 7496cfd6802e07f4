"""Shared helpers for the rule layer, and abuse found by rules: kind, weight and character spans.

Rules are precompiled regular expressions over cleaned text (`text.clean_text`). Each rule has a
weight in 0-1: how sure a hit alone makes us. Hits of one text combine as 1 - prod(1 - weight).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from calmdesk.analysis.prefilter import matches, may_match, may_match_any
from calmdesk.domain.signals import AbuseKind, Span

__all__ = [
    "MAX_SPANS",
    "AbuseFindings",
    "Hit",
    "Rule",
    "combine",
    "find_abuse",
    "find_hits",
    "is_negated",
    "keep_widest",
]

_FLAGS = re.IGNORECASE | re.UNICODE

MAX_SPANS = 50
"""At most this many spans of one kind of finding are reported per turn (the first ones)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled pattern with a label (kind or cause) and a weight."""

    label: str
    pattern: re.Pattern[str]
    weight: float

    @classmethod
    def of(cls, label: str, regex: str, weight: float) -> Rule:
        return cls(label, re.compile(regex, _FLAGS), weight)


@dataclass(frozen=True, slots=True)
class Hit:
    label: str
    weight: float
    span: Span


_NEGATION = re.compile(
    r"\b(?:not|no|never|don't|dont|do not|didn't|did not|without|isn't|wasn't|n't)"
    r"\W+(?:\w+\W+){0,2}$",
    _FLAGS,
)


_SENTENCE_END = re.compile(r"[.!?;]")


def is_negated(text: str, start: int) -> bool:
    """True when a negation word stands within three words before `start`, in the same sentence
    ("no explanation. My lawyer ..." is not a negated lawyer)."""
    window = text[max(0, start - 30) : start]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    return _NEGATION.search(window[ends[-1] :] if ends else window) is not None


def find_hits(text: str, rules: Sequence[Rule], *, skip_negated: bool = False) -> list[Hit]:
    """Every match of every rule, as hits with spans into `text`."""
    hits: list[Hit] = []
    lowered = text.lower()
    if isinstance(rules, tuple) and not may_match_any(_patterns(rules), text, lowered):
        return hits  # no rule of the group can match: one search instead of one a rule
    for rule in rules:
        if not may_match(rule.pattern, text, lowered):
            continue
        for match in matches(rule.pattern, text, lowered):
            if match.end() == match.start():
                continue
            if skip_negated and is_negated(text, match.start()):
                continue
            span = Span(match.start(), match.end(), match.group(0), rule.label)
            hits.append(Hit(rule.label, rule.weight, span))
    return hits


_PATTERNS: dict[int, tuple[tuple[Rule, ...], tuple[re.Pattern[str], ...]]] = {}


def _patterns(rules: tuple[Rule, ...]) -> tuple[re.Pattern[str], ...]:
    """The compiled patterns of a rule table, the same tuple object on every call."""
    entry = _PATTERNS.get(id(rules))
    if entry is None or entry[0] is not rules:
        entry = (rules, tuple(rule.pattern for rule in rules))
        if len(_PATTERNS) >= 256:  # tables made on the fly by a caller: never grow without end
            _PATTERNS.clear()
        _PATTERNS[id(rules)] = entry
    return entry[1]


def combine(weights: Iterable[float]) -> float:
    """Noisy-or of independent pieces of evidence."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - min(max(weight, 0.0), 1.0)
    return 1.0 - remaining


# --- abuse -------------------------------------------------------------------------------------

_ADJ = (
    r"(?:useless|stupid|incompetent|pathetic|brainless|clueless|worthless|lazy|dumb|idiotic|"
    r"moronic|hopeless|ignorant|bloody|fucking|f\*+king|freaking|damn|absolute|complete|total|"
    r"utter|lying|thieving|greedy|dishonest|braindead|brain-dead)"
)
_NOUN = (
    r"(?:idiots?|morons?|imbeciles?|clowns?|muppets?|fools?|losers?|incompetents?|scammers?|"
    r"thie(?:f|ves)|crooks?|liars?|jerks?|dumbass(?:es)?|cretins?|numpties|numpty|amateurs|"
    r"cowboys|parasites?|bunch of (?:\w+ )?(?:idiots|clowns|morons|crooks|thieves|amateurs))"
)
_YOU = r"\b(?:you|u|ya)(?:'re|\s+(?:are|r|all|guys|people|lot|such|just|an?|so|being|bunch)){0,4}"

_ABUSE_RULES: tuple[Rule, ...] = (
    Rule.of(
        AbuseKind.PROFANITY,
        r"\b(?:f[u*@#v]+c?k+\w*|f\*+k\w*|fck\w*|fuk\w*|motherf\w+|sh[i1!*]t(?:ty|s|e)?\b|"
        r"bullsh[i1!*]t|c[u*]nts?\b|bitch\w*|bastards?\b|assholes?\b|arseholes?\b|"
        r"wankers?\b|twats?\b|pricks?\b|dickheads?\b|bollocks\b)",
        0.55,
    ),
    Rule.of(
        AbuseKind.PROFANITY,
        r"\b\w{0,12}?(?:fuck|fcuk|ufck|fuc?ing|f[iu]cking|fkn|fking)\w{0,12}",
        0.55,
    ),
    Rule.of(
        AbuseKind.PROFANITY, r"\b(?:crap(?:py)?|damn(?:ed)?|goddamn\w*|wtf|pissed|bloody)\b", 0.3
    ),
    Rule.of(AbuseKind.INSULT, _YOU + rf"(?:\s+{_ADJ}){{0,4}}\s+{_NOUN}\b", 0.92),
    Rule.of(
        AbuseKind.INSULT,
        _YOU + r"\s+(?:so\s+|completely\s+|totally\s+|absolutely\s+|utterly\s+)?"
        r"(?:useless|stupid|incompetent|pathetic|clueless|worthless|dumb|idiotic|hopeless|"
        r"a\s+joke|a\s+disgrace|liars|thieves|crooks)\b",
        0.75,
    ),
    Rule.of(AbuseKind.INSULT, rf"\b(?:{_ADJ}\s+){{0,4}}{_NOUN}\b", 0.7),
    Rule.of(
        AbuseKind.THREAT,
        r"\b(?:i(?:'ll|\s+will|\s+am\s+going\s+to|'m\s+going\s+to|'m\s+gonna|\s+gonna)|gonna)\s+"
        r"(?:kill|hurt|punch|beat(?:\s+up)?|smash|stab|shoot|find|hunt\s+down|come\s+for)\s+"
        r"(?:you|u|your\s+(?:face|family|staff|agents?))\b",
        0.95,
    ),
    Rule.of(
        AbuseKind.THREAT,
        r"\b(?:watch\s+your\s+back|i\s+know\s+where\s+you\s+(?:live|work)|you(?:'ll|\s+will)\s+"
        r"be\s+sorry|(?:burn|blow\s+up)\s+(?:your|the)\s+(?:store|shop|office|building))\b",
        0.85,
    ),
    Rule.of(
        AbuseKind.HARASSMENT,
        r"\b(?:go\s+to\s+hell|go\s+(?:and\s+)?die|drop\s+dead|kill\s+yourself|kys|"
        r"shut\s+(?:the\s+\w+\s+)?up|eat\s+sh[i1*]t|screw\s+you|f[u*]+c?k\s+(?:you|u|off)|"
        r"piss\s+off|sod\s+off|retard(?:ed|s)?|f[a*]g(?:got)?s?)\b",
        0.9,
    ),
)

_SELF_DIRECTED = re.compile(
    r"\b(?:i\s+am|i'm|i\s+feel|feel\s+like|made\s+me|i\s+look)\W+(?:\w+\W+){0,2}$", _FLAGS
)


@dataclass(slots=True)
class AbuseFindings:
    """Abuse found by rules: a score in 0-1, the kinds (in order of first hit) and the spans."""

    score: float = 0.0
    kinds: list[AbuseKind] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)


def keep_widest(hits: list[Hit]) -> list[Hit]:
    """Drop hits whose span lies inside a wider hit of the same label (linear after sorting)."""
    hits = sorted(hits, key=lambda h: (h.span.start, -(h.span.end - h.span.start)))
    kept: list[Hit] = []
    reach: dict[str, int] = {}  # furthest end of a kept hit, per label
    for hit in hits:
        if hit.span.end > reach.get(hit.label, -1):
            kept.append(hit)
            reach[hit.label] = hit.span.end
    return kept


def find_abuse(text: str) -> AbuseFindings:
    """Profanity, insults, threats of harm and harassment in `text`, with their spans."""
    hits = [
        h
        for h in find_hits(text, _ABUSE_RULES)
        if not _SELF_DIRECTED.search(text[max(0, h.span.start - 30) : h.span.start])
    ]
    hits = keep_widest(hits)[:MAX_SPANS]
    kinds = list(dict.fromkeys(AbuseKind(h.label) for h in hits))
    return AbuseFindings(combine(h.weight for h in hits), kinds, [h.span for h in hits])
