"""When the bot must hand over at once: what in the customer's words (and the model's signals)
says a person is needed. Rules first, so a missing model never lets an upset customer through."""

from __future__ import annotations

import re

from calmdesk.analysis.mentions import find_mentions
from calmdesk.analysis.patterns import find_abuse
from calmdesk.domain.signals import AbuseKind, CustomerSignals, MentionKind

__all__ = ["REASONS", "handoff_trigger"]

REASONS: dict[str, str] = {
    "abusive": "the customer is abusive",
    "asks_for_person": "the customer asks for a person",
    "legal": "a legal matter",
    "threat": "the customer threatens to leave or go public",
    "cancellation": "the customer wants to cancel",
    "complaint": "the customer makes a complaint",
    "upset": "the customer is upset",
}
_F = re.IGNORECASE
_PERSON = re.compile(
    r"\b(?:human|real person|actual person|live (?:agent|person|chat)|(?:an?|the|your) "
    r"(?:agent|operator|representative|rep|advisor|adviser|employee|staff member)|someone real|"
    r"(?:speak|talk|chat) (?:to|with) (?:someone|somebody|a person|people|anyone)|"
    r"(?:not|no) (?:a |another |more )?(?:bot|robot|machine|computer|chatbot)s?|"
    r"(?:stop|enough)\b.{0,20}\bbot|call me (?:back)?|phone me|ring me|put me through|"
    r"(?:need|want) (?:a |to talk to a |to speak to a )?(?:person|people|someone)\b)",
    _F,
)
_LEGAL = re.compile(
    r"\b(?:lawyer|solicitor|attorney|sue|suing|lawsuit|legal action|court|small claims|"
    r"ombudsman|trading standards|consumer protection|chargeback|police|gdpr complaint)\b",
    _F,
)
_CANCEL = re.compile(
    r"\b(?:cancel\w*|close my account|terminate|end my (?:membership|contract|subscription)|"
    r"unsubscribe me from everything|withdraw from)\b",
    _F,
)
_COMPLAINT = re.compile(
    r"\b(?:complain\w*|complaint|unacceptable|disgrace\w*|ridiculous|appalling|outrage\w*|"
    r"worst|never again|rip(?:ped)?[- ]off|scam\w*|fraud|shocking|disgusting|pathetic|useless)\b",
    _F,
)
_UPSET = re.compile(
    r"\b(?:furious|angry|livid|fuming|annoyed|frustrat\w*|fed up|sick (?:and tired )?of|"
    r"had enough|losing (?:my )?patience|patience is|getting nowhere|upset|disappointed|"
    r"unhappy|terrible|awful|horrible|joke|seriously\?|"
    r"how (?:hard|difficult) (?:can|is) it|not good enough|waste of|wtf|ffs|"
    r"(?:third|fourth|fifth|\d+(?:st|nd|rd|th)) time|still (?:waiting|nothing|no)|"
    r"again and again|nobody (?:helps|answers|cares)|no one (?:helps|answers|cares))\b|!{2,}|\?!",
    _F,
)
_CAPS = re.compile(r"\b[A-Z]{4,}\b")
_CAPS_OK = frozenset({"PAYPAL", "VISA", "HTTP", "HTTPS", "GDPR", "ASAP"})


def _shouting(text: str) -> bool:
    words = [w for w in _CAPS.findall(text) if w not in _CAPS_OK]
    return len(words) >= 2


def _abusive(text: str, signals: CustomerSignals | None) -> bool:
    found = find_abuse(text)
    if any(k is not AbuseKind.PROFANITY for k in found.kinds) or found.score >= 0.5:
        return True
    if signals is None:
        return False
    hostile = {AbuseKind.INSULT, AbuseKind.HARASSMENT, AbuseKind.THREAT}
    return bool(hostile & set(signals.abuse_kinds)) or signals.abuse >= 0.6


def _mentioned(text: str, signals: CustomerSignals | None) -> set[MentionKind]:
    mentions = find_mentions(text)
    kinds = {m.kind for m in mentions.requests + mentions.threats}
    if signals is not None:
        kinds |= {m.kind for m in signals.requests + signals.threats}
    return kinds


def handoff_trigger(text: str, signals: CustomerSignals | None = None) -> str | None:
    """The first reason (a key of REASONS) this message needs a person, or None."""
    kinds = _mentioned(text, signals)
    if _abusive(text, signals):
        return "abusive"
    if MentionKind.SUPERVISOR in kinds or _PERSON.search(text):
        return "asks_for_person"
    if MentionKind.LEGAL in kinds or _LEGAL.search(text):
        return "legal"
    if MentionKind.PUBLIC_REVIEW in kinds:
        return "threat"
    if MentionKind.CANCEL in kinds or _CANCEL.search(text):
        return "cancellation"
    if _COMPLAINT.search(text) or (signals is not None and signals.complaint >= 0.8):
        return "complaint"
    if _UPSET.search(text) or _shouting(text):
        return "upset"
    if signals is not None and (signals.upset >= 0.7 or signals.anger >= 0.6):
        return "upset"
    return None
