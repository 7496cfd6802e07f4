# ruff: noqa: E501  (long regular expressions read better unbroken)
"""Cues read from the customer's own words, written for calmdesk.

The review uses them beside the model's customer signals (or instead of them when none were
given): was the customer let down, upset, abusive, vague, asking for something or for a manager.
"""

from __future__ import annotations

import re

from calmdesk.analysis.prefilter import Guarded

__all__ = ["CUSTOMER_CUES"]

_C: dict[str, str] = {
    "upset": (
        r"\b(?:angry|furious|livid|fuming|annoyed|frustrat\w*|upset|disappoint\w*|fed up|sick of|"
        r"unacceptable|ridiculous|outrag\w*|disgust\w*|terrible|awful|worst|joke|horrible|"
        r"appalling|useless|incompetent|pathetic|still (?:haven't|hasn't|not|no|isn't)|again|"
        r"third time|second time|twice|never again|how many times|why (?:is|does|do|can't|won't|"
        r"was|did)|stressed|worried|anxious|scared|panic\w*|desperate|gutted|done with|"
        r"beyond a joke|what is going on|had enough|how dare|unbelievable|seriously|rubbish|"
        r"garbage|junk|what the hell|no way|I want (?:my money|a refund|it back|compensation)|"
        r"help me|please help)\b|!{2,}|\?{2,}"
    ),
    "insult": (
        r"\b(?:idiots?|idiotic|morons?|moronic|imbeciles?|clowns|muppets?|brain ?dead|brainless|"
        r"clueless|crooks|fools|stupid (?:cow|people|idiots?)|cow|bastards?|bitch\w*|asshole\w*|"
        r"screw you|shut up|f+[u*]+[c*]+k\w* (?:you|your|off)|piece of (?:garbage|crap|sh\w+)|"
        r"get a brain|go to hell|you (?:dumb|stupid|useless|incompetent|pathetic) \w+)\b|"
        r"\byou(?:'re| are)?\s+(?:all\s+|such\s+|so\s+|a\s+|an\s+|just\s+|a bunch of\s+)?"
        r"(?:useless|incompetent|stupid|dumb|pathetic|liars?|thieves|crooks|clowns?|a joke|"
        r"worthless|an idiot|a moron|a liar)\b|\b(?:are|is) (?:all )?(?:a bunch of )?(?:thieves|"
        r"liars|crooks|idiots|morons|clowns|imbeciles|fools|incompetent)\b|\bare you (?:stupid|"
        r"dumb|thick|a robot or just dumb)\b"
    ),
    "let_down": (
        r"\b(?:late|delay\w*|never (?:arrived|came|received|got|turned up|showed)|not (?:arrived|"
        r"received|working|delivered|here)|isn't here|(?:hasn't|has not|haven't|didn't|did not|"
        r"still hasn't|still not) (?:arrived|come|received|heard|got|shipped|moved|turned up|"
        r"been|applied|come back|called|worked)|missing|lost|broken?|broke|damaged|defect\w*|"
        r"faulty|(?:doesn't|does not|won't|will not|didn't|can't|cannot) (?:work|charge|start|"
        r"turn on|connect|load|open|print|apply|let me|find|log|sign|access|get in)\w*|"
        r"stopped working|died|dead|crash\w*|froze|frozen|leak\w*|crack\w*|torn|stain\w*|dent\w*|"
        r"scratch\w*|chipped|bent|wobbl\w*|shrank|rotten|defrosted|soaked|stolen|flooded|fire|"
        r"smoke|hacked|fraud\w*|debt collect\w*|don't (?:even )?owe|higher than|more than|"
        r"missed|even (?:when|though|after)|(?:can|could) only|only (?:see|have|works?)|"
        r"charged (?:twice|double|again|me|for)|overcharg\w*|double[- ]?(?:charg|book)\w*|"
        r"(?:taken|took) (?:money|\$)|wrong (?:item|size|colou?r|order|charge|amount|address|"
        r"product|currency|shade)|error|outage|down (?:again|since|for)|offline|buffering|"
        r"locked (?:out)?|suspended|(?:cut|cancell?ed|closed|deleted|frozen|blocked) (?:off|my|"
        r"without)|no (?:sign|signal|internet|hot water|power|call|reply|response|information|"
        r"update)|nothing (?:at all|works|has happened)|still (?:waiting|no|nothing|broken|"
        r"pending)|waiting (?:for|on)|been waiting|no one|nobody|hung up|on hold|transferred|"
        r"promised|told me|was told|were told|said (?:it|I|my|the)|was supposed to|supposed to|"
        r"expected|thought|was meant to|different (?:story|answers?|dates?)|complain\w*|mess|"
        r"fault|failed|declined|rejected|refused|expired|invalid|incorrect|"
        r"I want (?:my money|a refund|it back|compensation)|refund (?:still|you promised|"
        r"hasn't)|instead of|not what I|only (?:got|one|half)|half the|for nothing|without "
        r"(?:any )?(?:warning|explanation|permission|telling)|didn't tell|nobody told|"
        r"no one told|didn't know|never signed|(?:days|weeks|months|hours) (?:late|later|"
        r"without|now)|third time|second time|twice|again|keeps? (?:\w+ing)|stuck|pending|"
        r"fell apart|falling apart|snapped|burn(?:ed|t) out|burnt|breaking|slow\w*|terrible|"
        r"drop(?:s|ping|ped)?|no help|been trying|for (?:\d+|two|three|four|five|six|several|"
        r"a) (?:days|weeks|months|hours|week|month)|since (?:yesterday|last|this|\d)|it's been|"
        r"false advertising|misleading|not as described|hiss\w*|noise|streak\w*|grinding|"
        r"smell\w*|tiny|too (?:big|small)|(?:glass|hair|a bug) in|hurt|injur\w*|bill for|"
        r"closed|scam|ripped off|rip-off|no-?show|didn't (?:turn up|show|come)|hasn't been|"
        r"wasn't|isn't working|not good enough|still down|is down|where is my|(?:three|four|five|\d+) "
        r"times)\b"
    ),
    "vague": (
        r"\b(?:it|this|that|something|everything|things?) (?:is|are|isn't|doesn't|does not|"
        r"won't|keeps?|just|'s)? ?(?:not working|doesn't work|broken|wrong|weird|a mess|"
        r"messed up|not right|acting up|off|doing that)\b|\bsort (?:it|this) out\b|"
        r"\bfix (?:it|this)\b|\bsomething (?:is |went |has )?(?:wrong|off|happened)\b|"
        r"\bthe thing\b|\bnot sure what\b|\bdon't know what\b|\bwhat are my options\b|"
        r"\bnothing (?:works|is working)\b|\bisn't what I (?:wanted|ordered|expected)\b|"
        r"\bneed this sorted\b|\bnot explaining again\b|\bweird thing\b"
    ),
    "calm": (
        r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b|\bnot a big deal\b|"
        r"\bjust (?:checking|wanted|a quick)\b|\bquick question\b|\bcould you (?:check|tell)\b|"
        r"\bis (?:it|this) normal\b|\bthanks?\b|\bplease\b"
    ),
    "satisfied": (
        r"\b(?:thanks?|thank you|cheers|appreciate(?:d)? it|"
        r"(?:it |that )?(?:worked|works now|solved|sorted|fixed)|that'?s (?:all|everything)|"
        r"all good|much better)\b"
    ),
    "ongoing": r"\b(?:still|again|another|without|yet|but|even)\b",
    "request": (
        r"\b(?:cancel\w*|refund|unblock|unlock|unsubscribe|tracking number|replace\w*|return|"
        r"deliver\w*|money back|where is|where's|when will|give me|send me|I want|I need (?!this)|"
        r"fix my|stop sending|put me through)\b"
    ),
    "escalation_request": (
        r"\b(?:supervisor|manager|management|someone (?:senior|more senior|in charge|else)|"
        r"your boss|higher up|escalat\w+|real person|human|formal complaint)\b"
    ),
    "question": r"\?",
}

CUSTOMER_CUES: dict[str, Guarded] = {
    name: Guarded(re.compile(pattern, re.IGNORECASE)) for name, pattern in _C.items()
}
"""Cues read from the customer's own words, used beside (or instead of) the model's signals."""
