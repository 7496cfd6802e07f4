"""The offline composer's building blocks, written for calmdesk, with a few variants each.

Each block serves one playbook practice. Variants are picked deterministically from a seed, so the
same conversation always gets the same suggestion while different ones read differently.
Nothing here guarantees an outcome, blames anyone or admits liability (P5, P7, P11).
"""

from __future__ import annotations

import re

from calmdesk.analysis.reply.lexicon import ACRONYMS

__all__ = [
    "APOLOGY",
    "BOUNDARY",
    "BRIDGE_MEANWHILE",
    "BRIDGE_OPTION",
    "CHECK_ONE",
    "CHECK_OPTIONS",
    "CLOSING_APOLOGY",
    "CLOSING_THANKS",
    "EMPATHY_MEDIUM",
    "EMPATHY_STRONG",
    "ESCALATION",
    "FALLBACK_STEP",
    "FOLLOW_UP",
    "GREETING",
    "REFLECT",
    "pick",
    "second_person",
]

# P3, for a customer who is very upset (the review asks for a strong acknowledgement)
EMPATHY_STRONG = (
    "I can only imagine how frustrating this has been, and your frustration is "
    "completely understandable.",
    "In your position I would feel the same way; it is completely understandable that you are "
    "upset.",
    "I can imagine how stressful this has been for you, and you have every right to expect better.",
)
# P3, for a customer who is somewhat upset
EMPATHY_MEDIUM = (
    "I understand how frustrating this must be.",
    "I can see why this has been upsetting.",
    "I understand why you are disappointed.",
)
GREETING = (
    "Thank you for getting in touch.",
    "Thanks for your message.",
    "Thank you for reaching out to us.",
)
# P13: a calm, firm limit; it never repeats the customer's words back
BOUNDARY = (
    "I do want to sort this out with you, and I need us to keep this conversation respectful, "
    "so please leave out personal insults.",
    "I am here to help, and I will keep working on this as long as we keep the conversation "
    "respectful; insulting language is not something I can accept.",
    "I want to get this fixed for you, and for that I ask that we keep this conversation "
    "respectful and without insults.",
)
# P2: {echo} is the customer's own point in second person
REFLECT = (
    "If I have understood you correctly, {echo}.",
    "Just to make sure I have this right: {echo}.",
    "So, as I understand it, {echo}.",
)
# P7: {concern} comes from the knowledge base for the cause
APOLOGY = (
    "I'm sorry that {concern}.",
    "I am really sorry that {concern}.",
    "I'm very sorry that {concern}.",
)
# P14: who helps next and when; {who}, {action}, {within} come from the knowledge base
ESCALATION = (
    "I have passed your case to {who}, who {action} within {within} to take this further.",
    "I have handed your case to {who}, who {action} within {within} with the next steps.",
)
# P9/P10 when the knowledge base has no option for the cause
FALLBACK_STEP = (
    "I have opened a case for this, and I will send you an update by the end of the day.",
    "I have logged this as a priority case, and I will email you the outcome by the end of the "
    "day.",
)
# between two steps that each state a policy figure, so each figure stands with its own policy
BRIDGE_OPTION = (
    "Alternatively, there is another way to settle this.",
    "There is also a second choice, if you prefer.",
)
BRIDGE_MEANWHILE = (
    "In the meantime, here is what I can do for you right away.",
    "Until then, this is what I can already do for you.",
)
# P12
CHECK_OPTIONS = (
    "Which option would you prefer?",
    "Which of these would suit you better?",
    "Would you prefer one of these, or is there something else that would work better?",
)
CHECK_ONE = (
    "Does that work for you?",
    "Would that work for you?",
    "Does that sound like a good way forward for you?",
)

# A3: when the customer is wrapping up; {echo} is their words in second person
CLOSING_THANKS = (
    "Thank you for letting me know, and I'm glad {echo}.",
    "Thanks for telling me; I'm really glad {echo}.",
    "Thank you, it is good to hear that {echo}.",
)
CLOSING_APOLOGY = (
    "I'm sorry again for the trouble this caused you.",
    "I am sorry again that it took this long.",
)
FOLLOW_UP = (
    "I will follow up with you tomorrow to make sure everything is still working as it should.",
    "I will check in with you tomorrow to make sure nothing else needs fixing.",
)


def pick(variants: tuple[str, ...], seed: int, slot: int) -> str:
    """The variant for this seed; `slot` keeps different blocks from moving in lockstep."""
    return variants[(seed + 7 * slot) % len(variants)]


_SWAP = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "we're": "you're",
    "we've": "you've",
    "you": "we",
    "your": "our",
    "yours": "ours",
    "you're": "we're",
    "you've": "we've",
}
_PAIRS = {("i", "am"): "you are", ("i", "was"): "you were", ("you", "are"): "we are"}
_TOKEN = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?|[^A-Za-z]+")


_PREPOSITIONS = frozenset("from to with for by at of about than like".split())


def _is_object(done: list[str], following: str) -> bool:
    """Whether "you" is an object ("from you", "...you.") and so becomes "us", not "we"."""
    before = "".join(done).split()
    return (bool(before) and before[-1].lower() in _PREPOSITIONS) or not following


def _uncap(word: str) -> str:
    """Words in capitals read as shouting in a reply; acronyms stay."""
    return word.lower() if word.isupper() and len(word) > 1 and word not in ACRONYMS else word


def second_person(sentence: str) -> str:
    """Turn the customer's first person into second person ("my order" -> "your order")."""
    tokens = _TOKEN.findall(sentence)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i].lower().replace("’", "'")
        nxt = tokens[i + 2].lower() if i + 2 < len(tokens) and tokens[i + 1] == " " else ""
        if (word, nxt) in _PAIRS:
            out.append(_PAIRS[(word, nxt)])
            i += 3
            continue
        if word == "you" and _is_object(out, nxt):
            out.append("us")
        else:
            out.append(_SWAP.get(word, _uncap(tokens[i])))
        i += 1
    text = "".join(out)
    return text[:1].lower() + text[1:] if text[:2] != "I " else text
