"""Requests and threats in a customer turn, with spans (manager, refund, cancel, legal, ...).

Requests are what the customer asks for (a manager, a refund, to cancel) and reports of having
asked before ("third time I am writing"); threats are what they say they will do if not helped
(legal action, a public review, leaving for a competitor). Negated phrases ("I don't want a
refund") are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calmdesk.analysis.patterns import MAX_SPANS, Rule, find_hits, is_negated, keep_widest
from calmdesk.domain.signals import Mention, MentionKind, Span

__all__ = ["Mentions", "find_mentions"]

_K = MentionKind

_REQUEST_RULES: tuple[Rule, ...] = (
    Rule.of(
        _K.SUPERVISOR,
        r"(?:\b(?:speak|talk|chat)\s+(?:to|with)\s+|\b(?:get|put|bring|fetch|give|connect|"
        r"transfer|pass)\s+(?:me\s+)?(?:(?:to|through\s+to|on\s+to|onto|with)\s+)?|"
        r"\b(?:want|need|demand)\s+(?:to\s+(?:speak|talk)\s+(?:to|with)\s+)?)?"
        r"\b(?:your|a|the|an|some)\s+(?:line\s+)?(?:manager|supervisor|superior|boss|"
        r"team\s+lead(?:er)?|senior\s+(?:agent|person|staff))\b",
        0.9,
    ),
    Rule.of(
        _K.SUPERVISOR,
        r"\b(?:someone|somebody)\s+(?:more\s+senior|senior|in\s+charge|higher\s+up|with\s+authority)"
        r"|\b(?:a\s+)?(?:real|actual)\s+(?:person|human)\b|\bescalat(?:e|ion|ed)\b",
        0.8,
    ),
    Rule.of(
        _K.SUPERVISOR,
        r"^\W*(?:a\s+|your\s+)?(?:manager|supervisor|boss)\b|\b(?:manager|supervisor|boss)\s*"
        r"(?:please|pls|plz|now|asap)\b|\bput\s+(?:your|the|a)\s+(?:manager|supervisor|boss|"
        r"superior)\s+on\b|\bput\s+me\s+through\s+to\s+(?:someone|somebody|your|the|a)\b|"
        r"\b(?:get|want|need|speak\s+to|talk\s+to|give)\s+(?:me\s+)?(?:to\s+)?(?:a|an)\s+"
        r"(?:human(?:\s+being)?|person)\b|\b(?:person|someone|somebody)\s+in\s+charge\b|"
        r"\bhead\s+office\b|\b(?:someone|somebody)\s+(?:who\s+(?:actually\s+)?knows|from\s+"
        r"(?:the\s+)?complaints|(?:more\s+)?experienced)|\b(?:complaints|duty|store|branch|floor|"
        r"general|area)\s+manager\b|\b(?:from|call\s+from|speak\s+to|talk\s+to)\s+"
        r"(?:your\s+|the\s+)?management\b|\bsenior\s+(?:engineer|member|colleague|manager)\b",
        0.8,
    ),
    Rule.of(
        _K.REFUND,
        r"\b(?:full\s+|partial\s+)?refund(?:ed)?\b|\b(?:my|our|the)\s+money\s+back\b|"
        r"\breimburse(?:ment|d)?\b|\bcompensat(?:e|ion|ed)\b",
        0.85,
    ),
    Rule.of(
        _K.CANCEL,
        r"\bcancel(?:l?ing)?\b(?:\s+(?:my|the|this|our)\s+\w+)?|\b(?:want|request|need)\s+"
        r"(?:a\s+)?cancellation\b|\bclose\s+my\s+account\b|\bunsubscribe\b|"
        r"\bterminate\s+(?:my|the|our)\s+(?:contract|subscription|account|service)\b",
        0.8,
    ),
    Rule.of(
        _K.REPEAT_CONTACT,
        r"\b(?:(?:second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th))\s+time|(?:two|three|four|"
        r"five|six|seven|eight|nine|ten|several|multiple|many|countless|numerous|\d+)\s+times)\b|"
        r"\b(?:already|previously)\s+(?:called|phoned|contacted|emailed|written|wrote|messaged|"
        r"explained|told|spoken|reported|asked|complained|been\s+in\s+touch)\b|"
        r"\b(?:again\s+and\s+again|over\s+and\s+over|once\s+again|yet\s+again|every\s+time\s+i)\b|"
        r"\b(?:keep|kept)\s+(?:calling|asking|emailing|writing|chasing|contacting)\b|"
        r"\bstill\s+(?:no\s+(?:reply|response|answer|word|update)|waiting\s+for\s+(?:a\s+)?"
        r"(?:reply|response|answer|call\s*back))\b|\bno\s+one\s+(?:has\s+)?(?:ever\s+)?"
        r"(?:replied|responded|got\s+back|called\s+(?:me\s+)?back)\b",
        0.85,
    ),
)

_THREAT_RULES: tuple[Rule, ...] = (
    Rule.of(
        _K.LEGAL,
        r"\b(?:lawyers?|solicitors?|attorneys?|legal\s+(?:action|team|advice|proceedings)|sue|"
        r"suing|lawsuit|(?:take|taking)\s+(?:you|this)\s+to\s+court|small\s+claims|ombudsman|"
        r"trading\s+standards|consumer\s+(?:protection|rights|agency|council)|regulator|"
        r"ftc|fca|ofcom|ofgem|cfpb|better\s+business\s+bureau|bbb)\b",
        0.9,
    ),
    Rule.of(
        _K.LEGAL,
        r"\b(?:(?:see\s+you\s+in|in\s+the\s+(?:county\s+)?|to\s+(?:the\s+)?(?:county\s+|small\s+"
        r"claims\s+)?)court|(?:issue|commence|start)\s+(?:legal\s+)?proceedings|letter\s+before\s+"
        r"action|report(?:ing|ed)?\s+(?:you|your\s+(?:company|firm|business|driver|staff|shop|"
        r"store|hotel))\s+to|(?:civil\s+aviation|financial\s+conduct|advertising\s+standards|"
        r"competition\s+and\s+markets)\s+authority|ico|police|my\s+mp|licensing\s+(?:team|"
        r"authority|board)|pursu(?:e|ing)\s+you)\b",
        0.85,
    ),
    Rule.of(
        _K.CHARGEBACK,
        r"\b(?:charge\s*-?\s*backs?|(?:dispute|contest|challenge)\s+(?:the|this|that|your|these|"
        r"those|every|a)\s+"
        r"(?:\w+\s+)?(?:charges?|payments?|transactions?|debits?)|(?:file|open|raise|start|put\s+in)"
        r"\s+a\s+(?:dispute|claim)\s+with\s+(?:my|the)\s+(?:bank|card|credit\s+card|paypal|visa|"
        r"amex)|(?:call|ring|contact|tell|go\s+to|speak\s+(?:to|with)|ask|talk\s+to)(?:ing)?\s+"
        r"(?:to\s+)?my\s+(?:bank|card\s+"
        r"(?:company|issuer|provider)|credit\s+card\s+company)|(?:reverse|cancel|block|stop)\s+"
        r"(?:the|this|that|my)\s+(?:charge|payment|transaction|direct\s+debit)\s+(?:with|through|"
        r"via)\s+my\s+bank|paypal\s+(?:dispute|claim))\b",
        0.9,
    ),
    Rule.of(
        _K.CHARGEBACK,
        r"\b(?:disput(?:e|ed|ing)\s+(?:it|this|that|the\s+(?:\w+\s+){0,2}?(?:thing|one|lot))\s+"
        r"(?:with|through|via)\s+(?:my\s+|the\s+)?(?:bank|card|credit\s+card|visa|mastercard|amex|"
        r"american\s+express|paypal)|disput(?:e|ed|ing)\s+(?:the|this|that|these)\s+(?:\w+\s+)?"
        r"(?:transactions?|charges?|payments?|debits?)|(?:open(?:ed|ing)?|raised?|filed?)\s+a\s+"
        r"dispute|charg(?:e|ing)\s+(?:it|this|that)\s+back|buyer\s+protection|my\s+(?:bank|card\s+"
        r"(?:company|provider|issuer)|credit\s+card\s+(?:company|provider))\s+will|(?:told|"
        r"contacted|called|rung|rang|phoned)\s+my\s+(?:bank|credit\s+card\s+(?:company|provider)|"
        r"card\s+(?:company|provider|issuer))|reported\s+(?:\w+\s+){0,3}?to\s+my\s+bank|"
        r"american\s+express|amex)\b",
        0.85,
    ),
    Rule.of(
        _K.PUBLIC_REVIEW,
        r"\b(?:(?:bad|negative|1[- ]star|one[- ]star|terrible|honest)\s+review|reviews?\s+"
        r"(?:on\s+\w+|everywhere|online)|trustpilot|yelp|google\s+reviews?|tripadvisor|twitter|"
        r"tweet(?:ing)?|facebook|instagram|tiktok|reddit|social\s+media|post\s+(?:this|it|about\s+"
        r"(?:this|you))\s+(?:online|everywhere|on)|tell\s+(?:everyone|everybody|all\s+my\s+"
        r"friends)|go(?:ing)?\s+public|the\s+(?:press|media|newspapers?)(?!\s+(?:delivery|subscription|round))|journalists?|"
        r"warn\s+(?:others|everyone|people)|post(?:ing)?\s+(?:\w+\s+){0,4}?(?:everywhere|"
        r"all\s+over|online)|(?:let|make\s+sure)\s+(?:everyone|everybody|the\s+world|all\s+my\s+"
        r"\w+)\s+know|(?:review|reviews|rating)\s+(?:everywhere|all\s+over)|tell\s+the\s+"
        r"(?:whole\s+)?world|(?:everyone|everybody)\s+(?:\w+\s+){0,4}?(?:will|is\s+going\s+to|"
        r"are\s+going\s+to)\s+hear|post(?:ing)?\s+the\s+(?:video|photos?|pics?|pictures?)|"
        r"tell(?:ing)?\s+(?:all\s+)?my\s+(?:friends|family|followers|neighbou?rs)|mak(?:e|ing)\s+"
        r"a\s+(?:thread|video|post|tiktok)|(?:my\s+)?next\s+(?:post|blog|video|article)|"
        r"my\s+(?:followers|blog|readers|subscribers))\b",
        0.85,
    ),
    Rule.of(
        _K.CANCEL,
        r"\b(?:tak(?:e|ing)\s+my\s+(?:business|money|custom)\s+elsewhere|switch(?:ing)?\s+(?:to\s+)?"
        r"(?:another|a\s+different|your\s+competitors?|providers?|suppliers?|companies|banks?)|"
        r"(?:go|going|move|moving)\s+(?:to\s+)?(?:a\s+)?(?:competitor|elsewhere|another\s+"
        r"(?:provider|company|bank|supplier|carrier))|never\s+(?:order|buy|shop)\w*\s+"
        r"(?:from|with)\s+you\s+again|leave\s+(?:you|your\s+company))\b",
        0.85,
    ),
)

# "or I will cancel", "otherwise I am cancelling": a cancel request said as a threat.
_CONDITIONAL = re.compile(
    r"\b(?:or(?:\s+else)?|otherwise|unless|if\s+not|i(?:'ll|\s+will|'m\s+going\s+to|\s+am\s+"
    r"going\s+to)|considering|thinking\s+(?:of|about))\W+(?:\w+\W+){0,3}$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Mentions:
    requests: list[Mention]
    threats: list[Mention]


def _mention(kind: str, span: Span) -> Mention:
    return Mention(MentionKind(kind), span)


def find_mentions(text: str) -> Mentions:
    """Requests and threats said in `text`, in order of appearance."""
    requests: list[Mention] = []
    threats: list[Mention] = []
    for hit in keep_widest(find_hits(text, _REQUEST_RULES)):
        if hit.label != _K.REPEAT_CONTACT and is_negated(text, hit.span.start):
            continue
        before = text[max(0, hit.span.start - 40) : hit.span.start]
        threat = hit.label == _K.CANCEL and _CONDITIONAL.search(before) is not None
        (threats if threat else requests).append(_mention(hit.label, hit.span))
    threats.extend(
        _mention(hit.label, hit.span)
        for hit in keep_widest(find_hits(text, _THREAT_RULES, skip_negated=True))
    )
    requests.sort(key=lambda m: m.span.start)
    threats.sort(key=lambda m: m.span.start)
    return Mentions(requests[:MAX_SPANS], threats[:MAX_SPANS])
