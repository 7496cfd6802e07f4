"""The English patterns behind `commitments`: who promises, the modal, and what is not a promise."""

from __future__ import annotations

import re

__all__ = [
    "AND_VERB",
    "BE_ACTION",
    "CLAUSE_STOP",
    "CONDITION",
    "HEDGE",
    "NOT_ACTIONS",
    "NOT_AFTER_HAVE",
    "PRESENT_FUTURE",
    "QUESTION_OPENING",
    "REFUSAL",
    "SENTENCE",
    "TRIGGER",
    "WORD_NEXT",
    "YOU_VERBS",
    "local_context",
    "owner_before",
    "owner_is_person",
    "owner_of",
    "tidy_action",
    "trim_end",
]

_F = re.IGNORECASE

SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?![\s\"')\]]|$))+[.!?\"')\]]*")
QUESTION_OPENING = re.compile(
    r"(?:would|could|shall|should|can|do|does|did|may|will|is|are|have)\s+(?:you|i|we)\b", _F
)

_DEPT = (
    r"billing|finance|accounts?|payments?|shipping|delivery|dispatch|logistics|warehouse|returns|"
    r"technical\s+support|tech\s+support|technical|IT|security|fraud|claims|sales|collections|"
    r"complaints|escalations?|retention|repairs?|service\s+desk|helpdesk"
)
_THINGS = (
    r"refund|replacement|order|parcel|package|delivery|shipment|credit|reimbursement|card|account|"
    r"money|label|invoice|item|device|payment|unit|confirmation(?:\s+email)?|email|access|service|"
    r"connection|fix|update|voucher|code|link|tracking\s+number|technician|courier|engineer|"
    r"new\s+one|amount|funds|charge|reversal|booking|subscription|password\s+reset\s+link"
)
_ADVERBS = (
    r"also|personally|definitely|certainly|then|now|gladly|happily|still|first|just|today|"
    r"immediately|right\s+away|promptly|be\s+sure\s+to|make\s+sure\s+to|need\s+to\s+and"
)
TRIGGER = re.compile(
    r"\b(?P<subject>(?P<agent>I|let\s+me)"
    r"|(?P<team>we|he|she|they|our\s+team|the\s+team|(?:our|the)\s+(?:support|service|customer\s+(?:service|care)"
    r")\s+team)"
    r"|(?:someone|somebody|a\s+colleague|one\s+of\s+(?:my|our)\s+colleagues|a\s+specialist|an\s+agent"
    rf"|a\s+member)\s+(?:from|in|on|of)\s+(?:our\s+|the\s+)?(?P<dept>{_DEPT})"
    r"(?:\s+(?:team|department|desk))?"
    rf"|(?:our|the|my)\s+(?P<dept2>{_DEPT})\s+(?:team|department|desk|colleagues)"
    r"|(?:a|my|our|the)\s+(?:senior\s+)?(?P<role>supervisor|manager|team\s+lead(?:er)?|specialist)"
    r"|(?<=,\s)(?P<who>who)"
    r"|(?P<thing>(?:your|the|a|an)\s+(?:new\s+|full\s+|partial\s+|replacement\s+|return\s+|"
    rf"prepaid\s+)?(?:{_THINGS})|you|it|this))"
    r"(?P<modal>\s+will|\s+shall|['’]ll|\s+am\s+going\s+to|['’]m\s+going\s+to|\s+are\s+going\s+to"
    r"|['’]re\s+going\s+to|\s+is\s+going\s+to|['’]s\s+going\s+to|\s+should|(?<=let\sme))"
    rf"\s+(?:(?:{_ADVERBS})\s+)*(?P<verb>[a-z]+)\b",
    _F,
)

PRESENT_FUTURE = re.compile(
    r"\b(?:(?:your|the|a|an|this)\s+(?:new\s+|full\s+|replacement\s+|return\s+)?"
    rf"(?P<thing>{_THINGS})(?:\s+(?:that|which))?|(?<=[;,]\s)(?P<pronoun>it|they)|"
    r"(?<=\band\s)(?P<pronoun2>it|they))"
    r"\s+(?P<verb>ships|arrives|goes\s+out|leaves|lands|visits|comes|"
    r"is\s+(?:being\s+)?(?:dispatched|shipped|sent|delivered|due|scheduled|arriving|"
    r"going\s+out|processed|issued|coming|visiting|booked)|gets\s+to\s+you)\b",
    _F,
)
"""A thing in the present tense with a deadline: "a replacement that ships tomorrow" is a
promise of the team's when its clause names a time ("the engineer visits on Thursday"; after a
comma, semicolon or "and", "it arrives Friday" too)."""

NOT_ACTIONS = frozenset(
    "not never need probably likely maybe perhaps try understand hope want wish appreciate "
    "know note notice realise realize agree admit remember like love see assume imagine bet "
    "wait cost depend require".split()
)
WORD_NEXT = re.compile(r"\s+[A-Za-z]")
NOT_AFTER_HAVE = re.compile(r"\s+(?:to|been|got)\b", _F)
YOU_VERBS = frozenset("receive get hear see be have find".split())
BE_ACTION = re.compile(
    r"\s+(?:\w+ed\b|sent|done|made|paid|given|taken|shown|back|in\s+touch|with\s+you|on\s+(?:its|"
    r"their)\s+way|ready|available|able\s+to|out|reset|sorted|fixed|issued|credited)",
    _F,
)
REFUSAL = re.compile(
    r"\b(?:can(?:no|['’])t|can\s+not|could(?:n['’]t|\s+not)|unable\s+to|not\s+able\s+to|won['’]t|"
    r"will\s+not|do(?:n['’]t|\s+not)|no\s+way\s+to|impossible\s+to)\s+(?:\w+\s+){0,2}?"
    r"(?:promise|guarantee|commit|confirm|say|tell|know|be\s+sure|predict)"
    r"|\b(?:no|not\s+a|without\s+a)\s+(?:promise|guarantee)|\bnot\s+sure\b|\bno\s+idea\b",
    _F,
)
HEDGE = re.compile(
    r"\b(?:hopefully|maybe|perhaps|possibly|probably|might|i\s+hope|i\s+think|i\s+believe|"
    r"i\s+guess|i\s+assume|i\s+wish|with\s+luck|if\s+we['’]re\s+lucky|in\s+the\s+past|last\s+time|"
    r"said\s+that|told\s+you\s+that|promised\s+that|was\s+told)\b",
    _F,
)
CLAUSE_STOP = re.compile(
    r"[;:]|\s+-\s+|\s*,?\s+(?:but|so\s+that|because|as\s+soon\s+as|once|if|unless|while|although|"
    r"whereas|when)\b|,\s+(?:I\s+promise|I\s+assure\s+you|you\s+have\s+my\s+word)\b|,\s+(?=[a-z]+ing\b)|,\s+(?:which|who|so|as|then|and\s+then|and\s+(?=(?:I|we|you|it)\b))",
    _F,
)
_CONTEXT_CHARS = 160  # how far back a refusal or hedge can reach; keeps long texts linear
_LOCAL_BOUNDARY = re.compile(r"[;:]|,\s*(?:so|and|but|then)\b|\b(?:but|so)\b", _F)
_TRAIL = re.compile(r"(?:[\s,;:.!-]+|\b(?:and|then|but|so|or)\b)+$", _F)
_FILLERS = re.compile(
    r"\b(?:at\s+the\s+(?:very\s+)?latest|if\s+not\s+sooner|or\s+sooner|for\s+sure|as\s+promised|"
    r"at\s+the\s+earliest)\b",
    _F,
)
CONDITION = re.compile(
    r"\b(?:if|unless|once|when|after|as\s+soon\s+as|in\s+case|please|could\s+you|can\s+you)\b", _F
)
_SERVICE_VERBS = (
    r"send|call|email|e-mail|ship|refund|credit|issue|process|check|update|contact|follow|arrange|"
    r"replace|reset|fix|confirm|reply|review|cancel|reactivate|unlock|deliver|text|message|book|"
    r"schedule|return|reverse|waive|post|collect|pick|escalate|review|let|get|ring|visit|repair"
)
AND_VERB = re.compile(rf"\s*,?\s+and\s+(?:then\s+)?(?=(?:{_SERVICE_VERBS})\b)", _F)
_DETERMINER = re.compile(r"^(?:your|the|a|an|my|our)\s+", _F)
_ROLE_NAMES = {"team leader": "team lead"}
_DEPT_NAMES = {
    "tech support": "technical support",
    "technical": "technical support",
    "account": "accounts",
    "payment": "payments",
    "repair": "repairs",
    "escalation": "escalations",
    "it": "IT",
}


def local_context(text: str, start: int, trigger_start: int) -> str:
    """The words between the last clause boundary before the trigger and the trigger."""
    before = text[max(start, trigger_start - _CONTEXT_CHARS) : trigger_start]
    cuts = [b.end() for b in _LOCAL_BOUNDARY.finditer(before)]
    return before[cuts[-1] :] if cuts else before


_NAMED_BEFORE = re.compile(
    rf"\b(?:(?P<role>supervisor|manager|team\s+lead(?:er)?|specialist)|(?P<dept>{_DEPT})\s+"
    r"(?:team|department|desk))\b",
    _F,
)


def owner_before(text: str, start: int, end: int) -> str:
    """The role or department named last in text[start:end] ("a supervisor, who will ...")."""
    last = None
    for last in _NAMED_BEFORE.finditer(text, start, end):  # noqa: B007 (the last one counts)
        pass
    if last is None:
        return "team"
    key = re.sub(r"\s+", " ", last.group("role") or last.group("dept")).lower()
    return _ROLE_NAMES.get(key) or _DEPT_NAMES.get(key, key)


def owner_of(m: re.Match[str]) -> str:
    """ "agent", "team", or the named department or role that takes the action."""
    if m.group("who") or (m.group("team") or "").lower() in {"he", "she", "they"}:
        return owner_before(m.string, max(0, m.start() - 200), m.start())
    if m.group("agent"):
        return "agent"
    named = m.group("dept") or m.group("dept2")
    if named:
        key = re.sub(r"\s+", " ", named).lower()
        return _DEPT_NAMES.get(key, key)
    if m.group("role"):
        key = re.sub(r"\s+", " ", m.group("role")).lower()
        return _ROLE_NAMES.get(key, key)
    return "team"


def owner_is_person(m: re.Match[str]) -> bool:
    return m.group("thing") is None


def trim_end(text: str, end: int, start: int) -> int:
    """Move `end` left past trailing punctuation and dangling conjunctions."""
    tail = _TRAIL.search(text, start, end)
    return tail.start() if tail else end


def tidy_action(action: str, subject: str | None = None) -> str:
    """Canonical wording of the action: "send a replacement"; with a thing as the subject,
    "refund will arrive"."""
    if subject is not None:
        thing = _DETERMINER.sub("", " ".join(subject.split()))
        action = f"{thing} will {action}"
    action = _FILLERS.sub(" ", action)
    action = re.sub(r"\s+", " ", action).strip()
    tail = _TRAIL.search(action)
    return action[: tail.start()] if tail else action
