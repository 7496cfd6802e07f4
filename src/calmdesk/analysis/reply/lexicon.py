# ruff: noqa: E501  (long regular expressions read better unbroken)
"""The phrase patterns the reply review looks for, written for calmdesk.

Each name maps to one compiled, case-insensitive pattern. Patterns are kept loose on purpose
(optional words, alternatives) and are matched per draft once; checks and signals share the hits.
"""

from __future__ import annotations

import re

__all__ = ["ACRONYMS", "CUSTOMER_CUES", "DRAFT_PATTERNS", "STOPWORDS", "compile_phrases"]

_FEEL = (
    r"(?:frustrat\w*|upsett?\w*|stressful|disappoint\w*|annoy\w*|worr\w*|inconvenien\w*|"
    r"infuriat\w*|exhausting|awful|difficult|concerning|maddening|aggravating|unsettling|"
    r"unpleasant|a hassle|a headache|a pain|not okay|not ok|unfair|scary|confusing)"
)
_ADV = r"(?:(?:really|so|very|incredibly|truly|extremely|deeply|completely|totally)\s+)?"

_P: dict[str, str] = {
    # empathy, from strong to weak
    "empathy_strong": (
        r"\bI can (?:only )?imagine\b|\bI(?:'d| would) (?:be|feel) \w+ too\b|"
        r"\byou have every right\b|\b(?:completely|totally|entirely) (?:understandable|fair|valid)\b|"
        r"\byour (?:frustration|anger|disappointment|concern|worry) is (?:completely |totally )?"
        r"(?:understandable|valid|justified|fair)\b|\bI(?:'m| am) so sorry (?:to hear|that|for)\b|"
        r"\bin your (?:shoes|position|place)\b|\bthat(?:'s| is| must be| sounds) " + _ADV + _FEEL
    ),
    "empathy_medium": (
        r"\b(?:I|we) (?:completely |totally |fully )?understand (?:how|why|that|your)\b|"
        r"\bI can (?:see|tell|understand) (?:how|why|that)\b|\b(?:I'm|I am|we're|we are) "
        r"(?:really |so |very |truly )?sorry to hear\b|\b(?:sounds|must (?:have been|be)) "
        + _ADV
        + _FEEL
        + r"|\bI know how "
        + _ADV
        + _FEEL
        + r"|\bunderstandably\b|\bit(?:'s| is) understandable\b|"
        r"\bI hear you\b|\bwhat a (?:hassle|headache|pain|let-?down)\b"
    ),
    "empathy_weak": (
        r"\b(?:thanks?|thank you) (?:so much )?for (?:your|bearing|being) (?:patience|patient|"
        r"understanding)\b|\bI understand\b|\bI see\b|\bI appreciate (?:you|your|that)\b|"
        r"\bI get (?:it|that)\b|\bfair (?:enough|point)\b"
    ),
    "empathy_overdone": (
        r"\b(?:heartbroken|devastated|deeply,? deeply|beyond sorry|so so sorry|can't stop thinking|"
        r"tears|horrified|mortified|my heart goes out)\b"
    ),
    # apology
    "apology": (
        r"\b(?:I'm|I am|we're|we are)\s+(?:\w+\s+){0,2}sorry\b|\bsorry (?:about|for|that)\b|"
        r"^\s*sorry\b|\bapologi[sz]e\b|\bapologies\b|\bmy apolog\w+\b|\bI (?:sincerely )?regret\b|"
        r"\bwe regret\b|\bplease forgive\b|\bplease accept (?:my|our) apolog\w+"
    ),
    "non_apology": (
        r"\bsorry (?:that |if )?you (?:feel|felt|think|thought|see it|are upset|were upset|"
        r"took it)\b|\bsorry if (?:you|this|that|anyone) (?:feel|felt|think|seemed|came across|"
        r"upset|offended|caused)\w*|\bapologi[sz]e if you\b"
    ),
    "fault_admission": (
        r"\b(?:it was|this was|that was|it's|it is|this is|that is|that's) (?:(?!not\b|never\b)\w+ )?"
        r"(?:our|my) "
        r"fault\b|\bwe are (?:fully |legally )?liable\b|\bwe(?:'ll| will)? take full (?:legal )?"
        r"(?:responsibility|liability)\b|\b(?:we were|I was) negligent\b|"
        r"\blegally responsible\b|\bwe accept liability\b|\bentirely on us\b"
    ),
    # blame and excuses (P5)
    "blame": (
        r"\b(?:not|isn't|is not|wasn't|was not|isn't really) (?:our|my) (?:fault|problem|"
        r"responsibility|job|department|concern)\b|\byou should(?:'ve| have| not have)\b|"
        r"\bif you had (?:\w+ ){0,2}(?:read|checked|followed|entered|told|updated|looked|paid)\b|"
        r"\byou (?:didn't|did not|failed to|forgot to|never) (?:\w+ ){0,1}(?:read|check|follow|"
        r"enter|provide|update|click|tell|select|confirm|pay|notice)\w*|\bas (?:I|we) (?:already |"
        r"clearly )?(?:said|explained|told you|mentioned|stated)\b|\blike I (?:said|told you)\b|"
        r"\bthat's on you\b|\byour (?:own )?(?:fault|mistake|error|problem)\b|\buser error\b|"
        r"\b(?:blame|fault of) the (?:courier|carrier|warehouse|supplier|manufacturer|bank|"
        r"other (?:team|department)|post office)\b|\bthe (?:courier|carrier|warehouse|bank|"
        r"post office) (?:is|was) to blame\b|\bwe(?:'re| are) (?:\w+ )?(?:short[- ]staffed|"
        r"understaffed|swamped)\b|\bnothing (?:I|we) can do\b|\bout of (?:my|our) hands\b|"
        r"\bthat's (?:just )?(?:how it (?:is|works)|the way it is)\b|\byou (?:clearly |obviously )?"
        r"(?:misunderstood|misread|didn't understand)\b|\bit clearly (?:says|states)\b|"
        r"\b(?:everyone|most people) (?:else )?(?:knows|manages)\b"
    ),
    # tone (P4, P13)
    "calm_down": (
        r"\b(?:calm|settle) down\b|\b(?:just )?relax\b|\bchill out\b|\btake a deep breath\b|"
        r"\bno need to (?:shout|yell|be rude|get upset|be so|overreact)\w*|\bstop (?:shouting|"
        r"yelling|overreacting|being dramatic)\b|\bdon't be (?:so )?(?:dramatic|rude)\b"
    ),
    "sarcasm": (
        r"\boh,? (?:great|wonderful|brilliant|sure|really)\b|\bwell done\b(?! to)|"
        r"\bcongratulations\b|\bas I(?:'m| am) sure you (?:know|realise|realize)\b|"
        r"\bthanks for nothing\b|\bgood luck with that\b|\bif you(?:'d| had) (?:bothered|cared) to\b|"
        r"\bsurprise,? surprise\b|\bwow,|\bsure, because\b|\bno offen[cs]e\b|"
        r"\bwith all due respect\b|\bobviously\b|\bbelieve it or not\b|\bnewsflash\b|"
        r"\bnot rocket science\b|\bshocking,? I know\b|\bhow hard (?:can|could) it be\b"
    ),
    "insult": (
        r"\b(?:idiot\w*|stupid|moron\w*|dumb|pathetic|clown|ignorant|clueless|loser|jerk|"
        r"shut up|grow up|get a life|you people)\b|^\s*whatever\b|\bwhatever you say\b|"
        r"\b(?:you're|you are|you sound|you're being|being so|you seem) (?:so |very |really )?"
        r"(?:crazy|insane|hysterical|childish|ridiculous|rude|unreasonable|dramatic|incompetent|"
        r"useless|impossible|difficult|entitled)\b"
    ),
    "profanity": r"\b(?:damn\w*|hell|crap\w*|bloody|f+u+c+k\w*|sh[i1]t\w*|ass(?:hole)?|wtf|bs)\b",
    "boundary": (
        r"\b(?:keep|kept) (?:this|our|the|it|things) ?(?:conversation|chat|discussion|exchange)? ?"
        r"(?:respectful|civil|polite|professional)\b|\b(?:abusive|offensive|insulting|threatening|"
        r"foul|that kind of|this kind of|such) (?:language|remarks|comments|words|messages)\b|"
        r"\bpersonal (?:insults|attacks|remarks)\b|\b(?:can't|cannot|won't|will not|do not|don't)"
        r" (?:accept|tolerate|continue)\b|\bnot (?:acceptable|okay|ok) to (?:insult|swear|speak|"
        r"talk|threaten|call)\b|\b(?:end|close|pause) (?:this|the) (?:chat|conversation|call)\b|"
        r"\bwithout (?:the )?(?:insults|swearing|abuse|name-calling)\b|\bplease (?:don't|do not) "
        r"(?:swear|insult|call me|use)\b|\btreat(?:ed)? with respect\b|\bwith respect on both sides\b"
    ),
    # questions and check-ins (P6, P12)
    "check_in": (
        r"\b(?:does|would|will) (?:that|this|either|one of these|any of these|this option|"
        r"that option|the \w+) (?:\w+ )?(?:work|suit|help|be (?:ok|okay|alright|acceptable|"
        r"enough|fine))\b|\bis (?:that|this) (?:ok|okay|alright|acceptable|fine|enough)\b|"
        r"\bhow does (?:that|this) sound\b|\blet me know if (?:that|this|it|either)\b|"
        r"\bwhich (?:option|one|would you prefer|do you prefer|of these|suits)\b|\bwould you "
        r"(?:prefer|rather|like me to|like us to|like the|like a)\b|\bare you happy with\b|"
        r"\bdoes that (?:resolve|solve|answer|cover|help)\b|\bwhat do you think\b|"
        r"\bif (?:that|this) (?:works|suits|is ok|is okay)\b|\bsound good\b|\bwork for you\b"
    ),
    "clarify": (
        r"\b(?:could|can|would) you (?:please )?(?:tell|send|share|confirm|describe|explain|"
        r"give|let me know|clarify|check|provide|forward|attach|reply with)\b|\bplease (?:send|"
        r"share|confirm|tell me|let me know|describe|reply with|provide|attach)\b|"
        r"\b(?:what|which|when|where|how|who) (?:exactly|\w+)? ?(?:is|was|are|were|did|do|does|"
        r"happened|happens|error|order|item|account|device|page|number|email|date|outcome)\b[^.?!]*\?|"
        r"\border (?:number|id|reference)\b[^.!]*\?|\bwhat would you like\b|\bwhat outcome\b|"
        r"\bmore details?\b[^.!]*\?|\bscreenshot\b"
    ),
    # solution, timeline, escalation (P9, P10, P14)
    "solution_done": (
        r"\b(?:I|we)(?:'ve| have)? (?:just |now |already )?(?:issued|processed|sent|arranged|"
        r"refunded|reset|replaced|credited|booked|reactivated|cancell?ed|updated|fixed|restored|"
        r"reshipped|upgraded|applied|waived|reversed|unlocked|corrected|removed|added|"
        r"re-?sent|approved|released|dispatched|changed|expedited|scheduled|created|opened|"
        r"raised|filed|logged|flagged|submitted|asked|contacted|requested|chased|reported|"
        r"notified|booked|ordered|arranged for)\b|\b(?:has|have) (?:now |just )?been "
        r"(?:issued|processed|sent|refunded|reset|replaced|credited|cancell?ed|updated|fixed|"
        r"restored|reversed|unlocked|corrected|approved|dispatched|shipped|applied|waived)\b|"
        r"\bis (?:now )?(?:fixed|resolved|done|sorted|back)\b"
    ),
    "solution_future": (
        r"(?:\b(?:I|we)(?:'ll| will| can| am going to|'m going to| are going to|'re going to)|"
        r"\b(?:and|then|who|they|she|he) will) (?:\w+ )?(?:send|issue|process|arrange|refund|replace|credit|ship|reset|update|fix|call|"
        r"email|cancel|escalate|book|reach out|contact|reship|resend|re-send|waive|reverse|"
        r"unlock|restore|expedite|upgrade|schedule|courier|collect|pick up|transfer|connect|"
        r"hand|pass|raise|file|open|offer|add|apply|remove|correct|release|text|message|"
        r"investigate|trace|chase|check|look into|follow up|get back)\w*|\byou(?:'ll| will) "
        r"(?:receive|get|see|have|hear)\b|\bwill (?:be )?(?:arrive|reach|ship|land|appear|"
        r"refunded|credited|replaced|delivered|dispatched|sent|fixed|restored|processed)\w*"
    ),
    "self_serve": (
        r"\byou can (?:also |now |simply |just )?(?:choose|pick|opt|return|reset|use|click|go to|"
        r"log in|sign in|download|keep|collect|track|cancel|request|find|change|update|switch)\b|"
        r"\b(?:go|head) to (?:settings|your account|the \w+ page)\b|\bsimply (?:click|tap|go)\b|"
        r"\bhere(?:'s| is) (?:how|what (?:I|we)(?:'ll| will| can| have))\b"
    ),
    "remedy": (
        r"\bstore credit\b|\b(?:full|partial) refund\b|\breplacement\b|\bvoucher\b|\bdiscount\b|"
        r"\breturn(?:s)? label\b|\bcompensation\b|\bgoodwill (?:credit|gesture)\b|\bexchange\b"
    ),
    "vague_solution": (
        r"\b(?:we(?:'ll| will)|I(?:'ll| will)) (?:see what (?:we|I) can do|do (?:our|my) best|"
        r"try (?:our|my) best|look into it|pass (?:it|this) on|get back to you)\b|"
        r"\bwe(?:'re| are) (?:working on it|looking into it)\b"
    ),
    "options": (
        r"\beither\b[^.?!]*\bor\b|\b(?:two|three|a few|several|some) options\b|\boption (?:1|one|a)\b|"
        r"\balternatively\b|\bor (?:if you(?:'d)? prefer|I can|we can|you can|instead)\b|"
        r"\bif you(?:'d)? (?:rather|prefer)\b|\bwhichever\b|\bchoose between\b"
    ),
    "timeline": (
        r"\b(?:today|tonight|tomorrow|this (?:morning|afternoon|evening|week)|next (?:week|"
        r"business day|working day|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
        r"(?:on|by|before|until) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
        r"end of (?:the )?(?:day|business|week|month)|within (?:the |an |one |a |\d+ |"
        r"(?:two|three|four|five|six|seven|ten|24|48|72) )?(?:\w+ )?(?:minutes?|hours?|days?|"
        r"business days?|working days?|weeks?)|in (?:\d+|a|one|two|three|four|five) "
        r"(?:\w+ )?(?:minutes?|hours?|days?|weeks?)|\d+\s?(?:-|to)\s?\d+ (?:business |working )?"
        r"days|(?:by|at|before) \d{1,2}(?::\d\d)?\s?(?:am|pm)?|(?:on|by) (?:the )?\d{1,2}"
        r"(?:st|nd|rd|th)|by (?:\w+ )?(?:noon|midday|eod|cob))\b"
    ),
    "vague_time": r"\b(?:as soon as (?:possible|we can|I can)|asap|soon|shortly|at some point|eventually|in due course)\b",
    "escalate": (
        r"\b(?:escalat\w+|supervisor|manager|team lead(?:er)?|specialist|senior (?:agent|"
        r"colleague|member|advisor)|(?:billing|technical|tech|returns|claims|logistics|delivery|"
        r"complaints|accounts?|fraud|security|engineering|payments) (?:team|department|"
        r"specialists?|colleagues?)|another department|hand (?:this|you|it) (?:over )?to|"
        r"pass(?:ing)? (?:this|you|it) (?:on )?to|transfer(?:ring)? you|refer(?:red|ring)? "
        r"(?:this|it|you) to)\b"
    ),
    "escalate_who": (
        r"\b(?:my|our|a|the) (?:\w+ )?(?:supervisor|manager|team lead(?:er)?|specialist|"
        r"colleague|team|department|engineer)\b|\b(?:[A-Z][a-z]+), (?:my|our|who)\b"
    ),
    "escalate_next": (
        r"\bwill (?:call|email|contact|reach out|review|get in touch|message|reply|look at|"
        r"follow up|be in touch|update you|phone|ring|get back|investigate|decide|come back)\b"
    ),
    # over-promising (P11)
    "guarantee": (
        r"\bI (?:personally )?guarantee\b|\bguaranteed?\b|\bwill never (?:\w+ )?(?:happen|occur|"
        r"be) again\b|\bnever (?:happen|occur)s? again\b|\bnever again\b|\b100 ?% (?:sure|certain|"
        r"guaranteed)\b|\bwithout fail\b|\bI promise (?:you )?(?:it|this|that|nothing)\b|"
        r"\bwill (?:definitely|certainly|absolutely) (?:arrive|be|work|never)\b|\bfrom now on,? "
        r"(?:it|this|everything) will always\b|\bmake (?:absolutely |completely )?sure (?:this|it)"
        r" never\b|\bnothing like this will\b|\bno matter what\b|\bwhatever it takes\b"
    ),
    "money": (
        r"(?:[$€£]\s?\d[\d,]*(?:\.\d\d)?|\b\d[\d,]*(?:\.\d\d)?\s?(?:dollars|euros?|pounds|usd|eur|"
        r"gbp)\b)"
    ),
}

DRAFT_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE | re.MULTILINE) for name, pattern in _P.items()
}
"""Every draft pattern by name, compiled once."""

_C: dict[str, str] = {
    "upset": (
        r"\b(?:angry|furious|livid|fuming|annoyed|frustrat\w*|upset|disappoint\w*|fed up|sick of|"
        r"unacceptable|ridiculous|outrag\w*|disgust\w*|terrible|awful|worst|joke|horrible|"
        r"appalling|useless|incompetent|pathetic|still (?:haven't|hasn't|not|no)|again\?|"
        r"third time|second time|never again|how many times|why (?:is|does|do|can't|won't)|"
        r"stressed|worried|anxious|scared|panic\w*|desperate)\b|!{2,}"
    ),
    "insult": (
        r"\b(?:idiot\w*|stupid|moron\w*|dumb|pathetic|clown\w*|incompetent|useless|scam\w*|"
        r"thie(?:f|ves)|liars?|f+u+c+k\w*|sh[i1]t\w*|crap\w*|damn\w*|bastard\w*|bitch\w*|"
        r"asshole\w*|screw you|shut up|morons|imbecile\w*|brainless|joke of a)\b"
    ),
    "let_down": (
        r"\b(?:late|delay\w*|never (?:arrived|came|received)|not (?:arrived|received|working|"
        r"delivered)|hasn't (?:arrived|come)|haven't (?:received|heard|got)|missing|lost|broken|"
        r"damaged|defect\w*|faulty|doesn't work|does not work|stopped working|crash\w*|"
        r"charged (?:twice|double|again|me)|overcharg\w*|double[- ]charg\w*|wrong (?:item|size|"
        r"colou?r|order|charge|amount|address|product)|error|outage|down again|locked out|"
        r"can't (?:log|sign|access|get in)|still waiting|waiting for|no one "
        r"(?:called|replied|answered|got back)|nobody|promised|told me|was supposed to|"
        r"complain\w*|mess|fault|leak\w*|cracked|torn|stain\w*|failed|declined|still (?:not|no|nothing|broken|waiting|haven.t|hasn.t))\b"
    ),
    "vague": (
        r"\b(?:it|this|that|something|everything|things?) (?:is|are|isn't|doesn't|does not|"
        r"won't|keeps?|just)? ?(?:not working|doesn't work|broken|wrong|weird|a mess|messed up|"
        r"not right|acting up|off)\b|\bsort (?:it|this) out\b|\bfix (?:it|this)\b|\bsomething "
        r"(?:is |went )?(?:wrong|off|happened)\b|\bthe thing\b|\bnot sure what\b|"
        r"\bdon't know what\b|\bhelp me\b|\bwhat are my options\b"
    ),
    "escalation_request": (
        r"\b(?:supervisor|manager|someone (?:senior|in charge|else)|your boss|higher up|"
        r"escalate|real person|human)\b"
    ),
    "question": r"\?",
}

CUSTOMER_CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE) for name, pattern in _C.items()
}
"""Cues read from the customer's own words, used beside (or instead of) the model's signals."""

ACRONYMS = frozenset(
    "ID USA UK EU FAQ PDF SMS ASAP OK PIN URL UPS DHL VAT IBAN IT API CEO GDPR TV PC HR "
    "USB SIM ATM DPD FEDEX USPS EST PST UTC GMT CET AM PM EOD FYI NB KB IOS VPN WIFI".split()
)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each few for from further had hadn't has hasn't have haven't having he her here
    hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its itself just
    let's me more most my myself no nor not of off on once only or other ought our ours ourselves out
    over own same she should shouldn't so some such than that that's the their theirs them
    themselves then there these they this those through to too under until up very was wasn't we
    we'd we'll we're we've were weren't what when where which while who whom why will with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves hi hello hey
    thanks thank please sorry help need want really still get got know like also even today
    now time one day days going make made yes yet well okay ok already ever every still since
    again able would could much many sure take back thing things way tell told said say says see
    hope look right good great dear regards team customer service""".split()
)


def compile_phrases(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """A pattern matching any of the literal phrases (word-bounded), or None when there are none."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p.strip()) for p in phrases if p.strip())
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE) if alternatives else None
