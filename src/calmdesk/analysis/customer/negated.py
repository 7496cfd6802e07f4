"""Request and threat phrases the rules found only negated ("I don't want your manager").

A sentence vector reads "Je ne veux pas parler à votre chef" much like a request for one; the
rules see the negation. The learned signals ask this only when a head would add a mention the
rules did not list (rare), so its regular expressions do not run for most turns.
"""

from __future__ import annotations

from calmdesk.analysis import mentions
from calmdesk.analysis.language import reading
from calmdesk.analysis.language.cues import CUES
from calmdesk.analysis.patterns import find_hits, is_negated
from calmdesk.domain.signals import MentionKind

__all__ = ["negated_kinds"]


def negated_kinds(text: str, language: str) -> set[MentionKind]:
    """Kinds of request or threat said in `text` only under a negation (English rules and the
    cues of `language`)."""
    said: set[MentionKind] = set()
    negated: set[MentionKind] = set()
    rules = (*mentions._REQUEST_RULES, *mentions._THREAT_RULES)
    for hit in find_hits(text, rules):
        kind = MentionKind(hit.label)
        (negated if is_negated(text, hit.span.start) else said).add(kind)
    cues = CUES.get(language)
    if cues is not None and language != "en":
        negation = reading._NEGATIONS[language]
        for hit in reading._hits(text, (*cues.requests, *cues.threats), None):
            before = text[max(0, hit.span.start - 30) : hit.span.start]
            kind = MentionKind(hit.label)
            (negated if negation.search(before) else said).add(kind)
    return negated - said
