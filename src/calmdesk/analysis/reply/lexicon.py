# ruff: noqa: E501  (long regular expressions read better unbroken)
"""The phrase patterns the reply review looks for, written for calmdesk.

Each name maps to one compiled, case-insensitive pattern. Patterns are kept loose on purpose
(optional words, alternatives) and are matched per draft once; checks and signals share the hits.
"""

from __future__ import annotations

import functools
import re

from calmdesk.analysis.prefilter import Guarded
from calmdesk.analysis.reply.cues import CUSTOMER_CUES  # re-exported: suggest_compose reads it

__all__ = ["ACRONYMS", "CUSTOMER_CUES", "DRAFT_PATTERNS", "STOPWORDS", "compile_phrases"]

_FEEL = (
    r"(?:frustrat\w*|upsett?\w*|stressful|disappoint\w*|annoy\w*|worr\w*|inconvenien\w*|"
    r"infuriat\w*|exhausting|awful|difficult|concerning|maddening|aggravating|unsettling|"
    r"unpleasant|a hassle|a headache|a pain|not okay|not ok|unfair|scary|confusing|frightening|"
    r"terrifying|alarming|painful|hard|tiring|a nuisance|a shock|shocking|a real worry|"
    r"a big deal|a lot to lose|precious|serious|nerve-wracking|anxious|nervous|horrible|dreadful|"
    r"miserable|a nightmare|a worry)"
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
        r"\bI hear you\b|\bwhat a (?:hassle|headache|pain|let-?down)\b|\bsorry to hear\b|"
        r"\bwhat an? " + _ADV + _FEEL + r"|"
        r"\b(?:is|was|are|were|that's|it's) "
        + _ADV
        + _FEEL
        + r"\b|\bI can see (?:that )?you(?:'re| are)"
        r"|\byou(?:'re| are) (?:understandably |clearly )?(?:frustrated|upset|angry|worried|fed up|"
        r"annoyed|disappointed|stressed|anxious)\b|\bthe last thing you need\b|\bI know how\b|"
        r"\bI understand (?:how|why|that|your|the)\b|\b(?:fair|right) to be (?:annoyed|upset|angry)"
    ),
    "apology_specific": (
        r"\b(?:I'm|I am|we're|we are) (?:so |really |truly |very |terribly )?sorry (?:that |to hear |"
        r"about |for )?(?:your|you|the|it|this|that|about)\b|^\s*sorry (?:about|for|that|to hear|"
        r"your|you)\b|\bsorry (?:about|for) (?:the|your|that|this|all)\b"
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
        r"responsibility|job|department|concern)\b|\byou should(?:'ve| have| not have)(?! been "
        r"(?:told|informed|notified|contacted|called|given|sent|kept|offered|warned|updated))\b|"
        r"\byou (?:must|probably|obviously|clearly|may) (?:have )?(?:missed|forgot|misread|"
        r"ignored|deleted|dropped|damaged|broke|used|clicked|entered|typed|chosen|overlooked)\b|"
        r"\bdid you (?:not|maybe|even|actually) (?:\w+ )?(?:see|read|check|drop|try|notice|"
        r"look)\b|\b(?:using|used|installed|washed|handled) (?:it|them) (?:wrong|incorrectly|"
        r"badly)\b|\bmost (?:people|customers) (?:who|manage|don't|have)\b|\b(?:as (?:stated|"
        r"explained|mentioned|outlined|written|set out)|as per) (?:in )?(?:our|the) (?:\w+ )?"
        r"(?:terms|faq|policy|email|letter|conditions|small print|website)\b|\bwhich you "
        r"(?:accepted|agreed to|signed|were told)\b|\byou (?:should|need to|have to) (?:be|get|"
        r"make sure|keep|read|update|check) (?:\w+ )?(?:faster|more careful|yourself|your own|"
        r"enough|available)\w*|\b(?:very|really|extremely|so) busy\b|\b(?:mistakes|these things|"
        r"delays|things like this) (?:can )?happen\b|\b(?:that|the other) team always\b|"
        r"\bif you(?:'d| had) (?:read|checked|bothered|looked|paid attention)\b|\bread (?:it|"
        r"them|the \w+) properly\b|\b(?:the customer's|your) responsibility\b|\bcomes? when it "
        r"comes\b|\bgets? there when it gets there\b|\bnot (?:responsible|liable) for\b|"
        r"\bcaused by (?:the )?(?:weather|courier|carrier|bank|supplier|customer)\b|"
        r"\bis outside (?:of )?our control\b|\bnot our (?:fault|problem)\b|\bwhich you'd know\b|"
        r"\bshould keep enough\b|\byou'd know if\b|\bplease (?:read|check) (?:the|our) "
        r"(?:\w+ )?(?:guide|faq|terms|instructions)\b|\bcheck your own\b|\bit's only \$|"
        r"\b(?:our|the) (?:photos|product|site|terms) (?:are|is) (?:accurate|fine|correct)\b|"
        r"\bthe link works fine\b|\b(?:the )?(?:driver|courier|agent) (?:said|was wrong)\b|"
        r"\bbefore contacting us\b|\bshop elsewhere\b|"
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
        r"(?:swear|insult|call me|call us|use)\b|\btreat(?:ed)? with respect\b|\bwith respect on both sides\b|"
        r"\bask(?:ing)? (?:you )?(?:not to|that we|that you)\b|\b(?:don't|do not) call (?:me|us)\b|"
        r"\b(?:stay|remain|keep (?:it|things|the language|your language|this)) (?:\w+ )?(?:respectful|"
        r"civil|polite|clean)\b|\b(?:insults|swearing|name-calling|abuse|threats) (?:aren't|are not|"
        r"isn't|is not) (?:okay|ok|acceptable)\b|\bwon't continue\b|\bfree of (?:swearing|insults)\b|"
        r"\b(?:respectful|civil) towards? (?:our )?(?:staff|me|us)\b"
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
        r"\bif (?:that|this) (?:works|suits|is ok|is okay|helps)\b|\bsound good\b|\bwork for you\b|"
        r"\b(?:does|would|will|do|could|is) (?:\w+ ){0,3}(?:work|suit|help|okay|ok|alright|"
        r"acceptable|fair|convenient|easiest|best|better)\b[^.?!]*\?|\bwhich would (?:suit|work|"
        r"be|you)\b|\bwhen would (?:be|suit|work)\b|\bwould you (?:also )?like (?:me|us|that|an?|"
        r"the|to)\b|\bif that's not convenient\b|\bif that doesn't suit\b|\bdoes (?:that|this|"
        r"everything|the \w+) (?:look|sound|seem)\b|\b(?:sort|clear|fix|put) (?:it|things|that) "
        r"(?:out|up|right)\?|\bput your mind at rest\b|\bis that right\b"
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
        r"raised|filed|logged|flagged|submitted|asked|contacted|requested|chased|reported|recalled|"
        r"cleared|resolved|sorted|moved|rebooked|switched|reissued|pushed|pulled|unfrozen|"
        r"notified|booked|ordered|arranged for)\b|\b(?:has|have) (?:now |just )?been "
        r"(?:issued|processed|sent|refunded|reset|replaced|credited|cancell?ed|updated|fixed|"
        r"restored|reversed|unlocked|corrected|approved|dispatched|shipped|applied|waived)\b|"
        r"\bis (?:now )?(?:fixed|resolved|done|sorted|back)\b"
    ),
    "solution_future": (
        r"(?:\b(?:I|we)(?:'ll| will| am going to|'m going to| are going to|'re going to)|"
        r"\b(?:and|then|who|they|she|he) will) (?:\w+ )?(?:send|issue|process|arrange|refund|replace|credit|ship|reset|update|fix|call|"
        r"email|cancel|escalate|book|reach out|contact|reship|resend|re-send|waive|reverse|"
        r"unlock|restore|expedite|upgrade|schedule|courier|collect|pick up|transfer|connect|"
        r"hand|pass|raise|file|open|offer|add|apply|remove|correct|release|text|message|"
        r"investigate|trace|chase|check|follow up|book|post|deliver|message|personally)\w*|\byou(?:'ll| will) "
        r"(?:receive|get|see|have|hear)\b|\bwill (?:be )?(?:arrive|reach|ship|land|appear|"
        r"refunded|credited|replaced|delivered|dispatched|sent|fixed|restored|processed|posted|"
        r"ready|back|running|released)\w*|\bwill (?:be )?(?:call|contact|repair|visit|come|collect|"
        r"reconnect|arrive|reach|deliver|ring|text|email|be with you)\w*|\bshould (?:arrive|reach|"
        r"reconnect|show|be (?:back|fixed|working|there|with you))\b"
    ),
    "pending_done": (
        r"\b(?:I|we)(?:'ve| have)? (?:just |now |already )?(?:booked|rebooked|scheduled|arranged|"
        r"asked|chased|contacted|escalated|passed|raised|opened|reported|ordered|dispatched|"
        r"reshipped|requested|flagged|logged|filed|submitted|referred|sent (?:it|this|your \w+) "
        r"to)\b"
    ),
    "offer": (
        r"\b(?:I|we) can (?:\w+ )?(?:send|resend|reship|issue|refund|replace|credit|ship|reset|update|fix|call|"
        r"email|cancel|book|arrange|move|switch|add|offer|give|take|place|reserve|have|"
        r"include|find|swap|unlock|upgrade|waive|cover)\w*"
    ),
    "answer": (
        r"^\s*(?:yes|no|sure|of course|absolutely|we do|it is|it does|unfortunately)\b|"
        r"\b(?:we|it|you) (?:do|don't|offer|have|open|close|deliver|ship|can|cannot|can't|"
        r"costs?|takes?|ends?|includes?|covers?)\b|\b(?:covers|costs|includes|takes|ends|opens|"
        r"closes|means)\b|\b(?:is|are) (?:open|available|welcome|"
        r"in stock|free|covered)\b|\bcan be (?:\w+ed)\b"
    ),
    "self_serve": (
        r"\byou can (?:also |now |simply |just )?(?:choose|pick|opt|return|reset|use|click|go to|"
        r"log in|sign in|download|keep|collect|track|cancel|request|find|change|update|switch|order|"
        r"buy|book|add|pay|view|print|apply|upgrade|exchange|roll back|turn off|enter|try)\b|"
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
        r"(?:on|by|before|until|for|this|from) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
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
        r"(?:this|it|you) to)\b|\bpassed (?:it|this) on\b|\b(?:our|the|a) (?:\w+ ){1,2}(?:team|"
        r"department|board)\b(?! is| are)|\bseparate team\b"
    ),
    "escalate_who": (
        r"\b(?:my|our|a|the|their) (?:\w+ ){0,2}(?:supervisor|manager|team lead(?:er)?|specialist|"
        r"colleague|team|department|engineer|investigator|assessor|underwriter|handler|officer|"
        r"board)\b|\b(?:[A-Z][a-z]+), (?:my|our|who)\b"
    ),
    "escalate_next": (
        r"\bwill (?:call|email|contact|reach out|review|get in touch|message|reply|look at|"
        r"follow up|be in touch|update you|phone|ring|get back|investigate|decide|come back|join|"
        r"take over|approve|process|confirm|write|respond|assess|arrange|visit)\b|\b(?:they|who|"
        r"she|he)(?:'ll| will) \w+"
    ),
    # over-promising (P11)
    "guarantee": (
        r"\bI (?:personally |can )?guarantee\b|\b(?:is|it's|100 ?%|fully) guaranteed\b|guaranteed to\b|"
        r"\bnever be \w+ again\b|\bI can promise\b|\bwill never (?:\w+ )?(?:happen|occur|"
        r"be) again\b|\bnever (?:happen|occur)s? again\b|\bnever again\b|\b100 ?% (?:sure|certain|"
        r"guaranteed)\b|\bwithout fail\b|\bI promise (?:you )?(?:it|this|that|nothing)\b|"
        r"\bwill (?:definitely|certainly|absolutely) (?:arrive|be|work|never)\b|\bfrom now on,? "
        r"(?:it|this|everything) will always\b|\bmake (?:absolutely |completely )?sure (?:this|it)"
        r" never\b|\bnothing like this will\b|\bno matter what\b|\bwhatever it takes\b"
    ),
    "money": (
        r"(?:[$€£]\s?\d[\d,]*(?:\.\d\d)?|(?<![\d,.])\b\d[\d,]*(?:\.\d\d)?\s?(?:dollars|euros?|pounds|usd|eur|"
        r"gbp)\b)"
    ),
}

DRAFT_PATTERNS: dict[str, Guarded] = {
    name: Guarded(re.compile(pattern, re.IGNORECASE | re.MULTILINE)) for name, pattern in _P.items()
}
"""Every draft pattern by name, compiled once."""

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


@functools.lru_cache(maxsize=256)
def compile_phrases(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """A pattern matching any of the literal phrases (word-bounded), or None when there are none
    (made once per set of phrases: a review asks for each check's phrases)."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p.strip()) for p in phrases if p.strip())
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE) if alternatives else None
