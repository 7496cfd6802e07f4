"""Surface signs of how a turn is said: shouting, exclamation, negative and grateful words, urgency.

These are cheap text features that the customer scorers mix with the model heads; each is 0-1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calmdesk.analysis.patterns import Rule, combine, find_hits

__all__ = ["Tone", "read_tone"]

_WORD = re.compile(r"[^\W\d_]{2,}")
_EXCLAIM_RUN = re.compile(r"[!?]*![!?]+|!{2,}")
_ACRONYMS = frozenset(
    "OK ID UK US USA EU TV PC DHL UPS USPS ATM PIN SMS VAT GPS ASAP FAQ CEO IT API URL PDF "
    "AM PM I II III IV ETA FYI".split()
)

_NEGATIVE_RULES: tuple[Rule, ...] = (
    Rule.of(
        "strong",
        r"\b(?:unacceptable|ridiculous|outrageous|disgusting|disgraceful|appalling|furious|livid|"
        r"worst|horrible|horrendous|atrocious|pathetic|shocking|fed\s+up|sick\s+(?:and\s+tired\s+)?"
        r"of|had\s+enough|a\s+joke|beyond\s+(?:a\s+)?joke|fuming|infuriat\w+|scam|rip[- ]?off|"
        r"incompetent|useless|absurd|insane|nightmare|never\s+again|thanks\s+for\s+nothing|"
        r"not\s+(?:good\s+enough|acceptable|ok|okay|fair|happy|impressed|pleased|satisfied)|"
        r"unbelievable|are\s+you\s+(?:even|actually|really)\s+(?:listening|reading|serious)|"
        r"how\s+(?:hard|difficult)\s+(?:is|can)\s+it|what\s+a\s+joke|(?:keep|keeps|kept)\s+"
        r"ignoring|ignoring\s+me|i\s+want\s+(?:it|this|my\s+\w+(?:\s+back)?)\s+now|enough\s+is\s+"
        r"enough|this\s+is\s+(?:a\s+)?(?:disgrace|scandal|robbery))\b",
        0.6,
    ),
    Rule.of(
        "moderate",
        r"\b(?:terrible|awful|angry|annoyed|annoying|frustrat\w+|disappoint\w+|upset|unhappy|"
        r"poor|bad|rubbish|garbage|nonsense|joke|fail(?:ed|ure|s)?|wast(?:e|ed|ing)|"
        r"waiting\s+forever|ages|still\s+(?:not|no|nothing|waiting|broken)|hate|sucks?|"
        r"worried|stressed|confused|unclear|lied|lying|misled|cheated|ignored)\b",
        0.35,
    ),
)

_GRATITUDE_RULES: tuple[Rule, ...] = (
    Rule.of(
        "thanks",
        r"\b(?:thanks?|thank\s+you|thx|ty|cheers|appreciated?|grateful|much\s+obliged)\b",
        0.5,
    ),
    Rule.of(
        "resolved",
        r"\b(?:(?<!need\s)(?<!want\s)(?<!get\s)(?<!have\s)(?<!got\s)"
        r"(?:that|this|it)(?:'s|\s+has|\s+is)?\s+(?:solved|fixed|sorted|resolved|worked|"
        r"working)|works\s+(?:now|fine|perfectly|great)|all\s+(?:good|sorted|set)|problem\s+solved|"
        r"perfect|brilliant|awesome|excellent|great\s+(?:service|help|job)|much\s+better|"
        r"happy\s+(?:now|with)|you(?:'ve|\s+have)\s+been\s+(?:very\s+|so\s+)?helpful)\b",
        0.6,
    ),
)

_URGENCY_RULES: tuple[Rule, ...] = (
    Rule.of(
        "explicit",
        r"\b(?:urgent(?:ly)?|asap|a\.s\.a\.p|immediately|right\s+(?:now|away)|emergency|"
        r"as\s+soon\s+as\s+possible|straight\s+away|without\s+delay|time[- ]sensitive|critical)\b",
        0.7,
    ),
    Rule.of(
        "deadline",
        r"\b(?:today|tonight|by\s+(?:tomorrow|tonight|the\s+end\s+of\s+(?:the\s+)?day|monday|"
        r"tuesday|wednesday|thursday|friday|saturday|sunday|\d{1,2}(?::\d{2})?\s*(?:am|pm)?)|"
        r"deadline|before\s+my\s+(?:flight|trip|wedding|event|holiday|exam|interview)|"
        r"running\s+out\s+of\s+time|can(?:'t|not)\s+wait\s+(?:any\s+)?(?:longer|more))\b",
        0.45,
    ),
    Rule.of(
        "stakes",
        r"\b(?:no\s+(?:heating|heat|water|power|electricity|internet|phone)|stranded|"
        r"can(?:'t|not)\s+(?:work|pay\s+(?:my\s+)?rent|access\s+my\s+(?:money|funds))|"
        r"medical|medication|my\s+(?:baby|child|kids?)\s+(?:needs?|is)|business\s+is\s+down|"
        r"losing\s+(?:money|customers|business))\b",
        0.55,
    ),
)


_WAITING_RULES: tuple[Rule, ...] = (
    Rule.of(
        "nobody_there",
        r"(?:\b(?:is\s+)?(?:any\s*(?:one|body)|some\s*(?:one|body))\s+(?:there|here|"
        r"(?:even\s+)?(?:reading|listening|working|awake))\b|^\W*(?:hello|hallo|hi|hey)\s*\?+|"
        r"\b(?:hello|hallo)\s*\?{1,}\s*(?:hello|anyone|is)|\bhello{2,}\b|"
        r"\b(?:nobody|no\s*one|no-one)\s+(?:has\s+)?(?:ever\s+)?(?:called|rang|phoned|got|gotten|"
        r"came|come|wrote|written|emailed|replied|responded|answer(?:s|ed)?|bother(?:s|ed)|calls|"
        r"rings|replies|responds|gets|picks\s+up)\b"
        r"(?:\s+(?:me\s+)?back)?|\b(?:never|didn't|did\s+not|haven't|have\s+not|hasn't|has\s+"
        r"not)\s+(?:been\s+)?(?:called|got(?:ten)?|heard|rang|phoned)\s+(?:me\s+)?back\b|"
        r"\bno\s+(?:reply|response|answer|call\s*back|callback|word|update)s?\b|"
        r"\b(?:no\s*one|nobody|no-one)\s+(?:at|on|in)\s+(?:your|the)\s+(?:desk|phone|counter|"
        r"office|line|chat)\b)",
        0.75,
    ),
    Rule.of(
        "still_waiting",
        r"\b(?:still\s+(?:waiting|nothing|no\s+(?:sign|news|reply|answer|word|update|"
        r"parcel|refund|delivery))|(?:i've|i\s+have|i\s+had|we've|we\s+have)\s+(?:been\s+)?"
        r"wait(?:ed|ing)|waited\s+(?:all\s+(?:day|morning|week|night)|for\s+(?:hours|days|weeks|"
        r"months|ages|an\s+hour|a\s+week)|(?:\d+|two|three|four|five|six)\s+(?:hours|days|"
        r"weeks|months))|waiting\s+(?:for\s+)?(?:hours|days|weeks|months|ages|forever|all\s+day"
        r"|an\s+hour|a\s+week|since)|(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+"
        r"(?:week|day|month|hour)\s+(?:of\s+)?waiting|on\s+hold\s+(?:for|since)|how\s+(?:much\s+)?"
        r"longer|how\s+long\s+(?:do|must|should|will|am)\s+i\s+(?:have\s+to\s+)?(?:wait|keep)|"
        r"(?:days|weeks|months)\s+(?:later|now|and\s+(?:still|nothing))|any\s+(?:news|update)"
        r"\s*\?+|chas(?:e|ing)\s+(?:this|you|it))\b",
        0.7,
    ),
    Rule.of(
        "how_long",
        r"\b(?:(?:it'?s|it\s+has|has|that'?s)\s+been\s+(?:\w+\s+){0,2}?(?:minutes|hours|days|weeks|"
        r"months|ages|forever|a\s+(?:week|month|fortnight))|(?:\d+|two|three|four|five|six|ten|"
        r"forty|ninety)\s+(?:minutes|mins|hours|hrs|days|weeks|months)\s+(?:ago|later|now|already|"
        r"without|on\s+hold|and\s+(?:still|nothing|counting))|still\s+(?:hasn'?t|haven'?t|don'?t|"
        r"doesn'?t|didn'?t|isn'?t|not|no|nothing)|(?:week|day|month|hour)\s+(?:two|three|four|five|"
        r"\d+)\s+of\s+waiting|checking\s+in\s+(?:on|again|about)|call\s+me\s+back|"
        r"(?:would|will)\s+wait\s+(?:\d+|\w+)\s+(?:days|weeks|months)|been\s+(?:\w+\s+){0,2}?"
        r"for\s+(?:\d+|two|three|four|five|six|several|many)\s+(?:hours|days|weeks|months)|"
        r"since\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last\s+"
        r"(?:week|month|night))|(?:asked|called|rang|phoned|emailed|written|wrote|contacted|chased)"
        r"\s+(?:you\s+)?(?:twice|three\s+times|again))\b",
        0.6,
    ),
)

_MILD_RULES: tuple[Rule, ...] = (
    Rule.of(
        "mild",
        r"\b(?:no\s+big\s+deal|not\s+a\s+(?:big\s+)?(?:deal|problem|big\s+issue)|no\s+"
        r"(?:worries|problem|rush|biggie|stress)|not\s+(?:urgent|a\s+priority|in\s+a\s+hurry|"
        r"a\s+huge\s+deal)|(?:kind|sort)\s+of|kinda|a\s+(?:bit|little|tad)|slightly|minor|"
        r"just\s+(?:letting\s+you\s+know|a\s+heads\s+up|wondering|checking)|when(?:ever)?\s+"
        r"you\s+(?:get\s+a\s+chance|have\s+time|can)|happens|it's\s+fine|not\s+the\s+end\s+"
        r"of\s+the\s+world|i\s+can\s+live\s+with\s+it|all\s+good\s+otherwise)\b",
        0.5,
    ),
)

_POSITIVE_RULES: tuple[Rule, ...] = (
    Rule.of(
        "positive",
        r"\b(?:fantastic|great|brilliant|wonderful|amazing|awesome|excellent|superb|perfect|"
        r"lovely|love|loving|impressive|impressed|outstanding|stellar|marvell?ous|terrific|"
        r"thanks\s+(?:a\s+lot|so\s+much)|thank\s+you\s+so\s+much|well\s+done|good\s+job|"
        r"top\s+notch|first\s+class|world\s+class|five\s+stars?|best|glad|happy|nice|"
        r"just\s+what\s+i\s+needed|oh\s+joy|yay|bravo|genius|stunning|generous|(?:really\s+)?"
        r"appreciate|makes\s+(?:total|perfect)\s+sense|what\s+a\s+surprise|10/10|shocking|"
        r"consistency|take\s+your\s+time)\b",
        0.6,
    ),
)

_CONTRAST = re.compile(
    r"\b(?:as\s+(?:always|usual|ever)|yet\s+again|once\s+again|again|(?:like|as)\s+every\s+"
    r"(?:time|week)|(?:another|third|fourth|fifth|second)\s+(?:week|day|month|time)|"
    r"yeah\s+right|sure\s+thing|thanks\s+for\s+nothing|not|never|no|nothing|still|waiting|"
    r"lost|losing|broken|late|wrong|charged|cancel+ed|hours|days|weeks|another|after|only|"
    r"but\s+not|didn't|offline|pay|paid)\b|\.{3}|…|🙄|😒|🙃",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Tone:
    """Text features of one turn, each 0-1."""

    shouting: float
    exclaiming: float
    negative: float
    gratitude: float
    urgency: float
    waiting: float = 0.0  # complains of waiting or of nobody answering ("anyone there?")
    mild: float = 0.0  # says it is minor ("kind of annoying, no big deal")
    positive: float = 0.0  # praise words, read at face value (sarcasm may turn them)
    contrast: float = 0.0  # praise beside a complaint ("fantastic service... third week")


def _shouting(text: str) -> float:
    words = _WORD.findall(text)
    letters = sum(len(w) for w in words)
    if letters < 8:
        return 0.0
    loud_words = [w for w in words if w.isupper() and w not in _ACRONYMS]
    loud = sum(len(w) for w in loud_words)
    emphasis = min(0.45, 0.15 * sum(1 for w in loud_words if len(w) >= 3))  # "I want it NOW"
    return min(1.0, max(emphasis, (loud / letters - 0.15) / 0.45))


def _exclaiming(text: str) -> float:
    marks = text.count("!")
    runs = len(_EXCLAIM_RUN.findall(text))
    return min(1.0, 0.12 * min(marks, 5) + 0.3 * runs)


def read_tone(text: str) -> Tone:
    """Shouting, "!", negative, grateful, urgent, waiting, mild and praise words of `text`."""
    negative = combine(h.weight for h in find_hits(text, _NEGATIVE_RULES, skip_negated=True))
    gratitude = combine(h.weight for h in find_hits(text, _GRATITUDE_RULES, skip_negated=True))
    urgency = combine(h.weight for h in find_hits(text, _URGENCY_RULES, skip_negated=True))
    waiting = combine(h.weight for h in find_hits(text, _WAITING_RULES))
    mild = combine(h.weight for h in find_hits(text, _MILD_RULES))
    praise = find_hits(text, _POSITIVE_RULES, skip_negated=True)
    positive = combine(h.weight for h in praise)
    contrast = 0.0
    if praise:
        rest = text[: praise[0].span.start] + " " + text[praise[0].span.end :]
        cues = len(_CONTRAST.findall(rest))
        contrast = min(1.0, 0.35 * cues) * (1.0 if negative or waiting or cues >= 2 else 0.6)
    return Tone(
        _shouting(text), _exclaiming(text), negative, gratitude, urgency,
        waiting, mild, positive, contrast,
    )  # fmt: skip
