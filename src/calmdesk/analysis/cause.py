"""Why the customer is unhappy (playbook C1-C3): keyword rules plus closeness to prototypes.

The prototypes are sentences the project wrote for each cause. Their vectors are computed once per
process, with the same encoder as the turns, the first time a turn's vector is given.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from calmdesk.analysis.patterns import Rule, combine, find_hits
from calmdesk.domain.signals import Cause

__all__ = ["PROTOTYPES", "CauseGuess", "guess_cause", "keyword_scores", "prepare"]

_C = Cause

_RULES: tuple[Rule, ...] = (
    Rule.of(
        _C.DELIVERY_DELAY,
        r"\b(?:late|delay(?:ed|s)?|(?:has|have|had)\s*n[o']t\s+(?:yet\s+)?(?:arrived|come(?!\s+through)|"
        r"been\s+delivered)|not\s+(?:yet\s+)?(?:arrived|delivered|received|shipped)|never\s+(?:arrived|"
        r"came|got\s+it|received)|where\s+is\s+my\s+(?:order|package|parcel|delivery|item)|"
        r"tracking|courier|overdue|should\s+have\s+(?:arrived|been\s+delivered)|dispatch(?:ed)?|"
        r"(?:lost|missing)\s+(?:package|parcel|order|delivery)|still\s+waiting\s+for\s+"
        r"(?:my\s+)?(?:order|package|parcel|delivery))\b",
        0.7,
    ),
    Rule.of(
        _C.DELIVERY_DELAY,
        r"\b(?:order|package|parcel|delivery|shipping|shipment)\b(?!\s+(?:address|details|"
        r"instructions|options|preferences|note|name|number))",
        0.3,
    ),
    Rule.of(
        _C.DEFECT,
        r"\b(?:broken|damaged|defective|faulty|cracked|torn|leak(?:s|ing|ed)?|dead\s+on\s+arrival|"
        r"stopped\s+working|doesn't\s+work|does\s+not\s+work|won't\s+(?:turn\s+on|charge|start)|"
        r"missing\s+(?:parts?|pieces?|screws?|bolts?|components?|accessor(?:y|ies))|"
        r"(?:screws?|bolts?|nuts|parts?|pieces?|components?|cables?|chargers?|instructions|"
        r"accessor(?:y|ies)|buttons?|lid|batter(?:y|ies))\s+(?:was|were|is|are)\s+(?:\w+\s+)?"
        r"missing|wrong\s+(?:item|size|colou?r|product|model)|"
        r"malfunction\w*|poor\s+quality|fell\s+apart|scratched|dent(?:ed)?)\b",
        0.7,
    ),
    Rule.of(
        _C.BILLING,
        r"\b(?:charged|overcharged|double[- ]charged|charge[sd]?\s+twice|bill(?:ed|ing)?|invoice|"
        r"payment|fees?|debited|direct\s+debit|my\s+card|money\s+(?:was\s+)?taken|price|"
        r"subscription\s+(?:fee|cost|price)|refund\s+(?:has\s+)?(?:not|never)|statement|"
        r"transaction)\b",
        0.65,
    ),
    Rule.of(_C.BILLING, r"\b(?:refunds?|money\s+back|reimburse\w*)\b", 0.5),
    Rule.of(
        _C.SERVICE_FAILURE,
        r"\b(?:outage|(?:is|are|was|keeps?\s+going)\s+down|no\s+(?:internet|signal|connection|"
        r"service|power)|can(?:'t|not)\s+connect|disconnect\w*|app\s+(?:crash\w*|keeps)|"
        r"crash(?:es|ed|ing)?|error\s+(?:message|code)?|not\s+loading|(?:website|site|app|system)"
        r"\s+(?:is\s+)?(?:broken|down|not\s+working)|slow\s+(?:service|internet|connection)|"
        r"bug|glitch|dropp(?:ed|ing)\s+calls?|technician|engineer\s+(?:never|didn't))\b",
        0.65,
    ),
    Rule.of(
        _C.SERVICE_FAILURE,
        r"\b(?:(?:not|isn't|is\s+not|stopped|quit|quits|keeps?\s+not)\s+working|service\s+"
        r"(?:is\s+|was\s+)?down|on\s+hold\s+(?:for|since)|worst\s+(?:customer\s+)?service|"
        r"rude\s+(?:staff|employee|driver|agent|manager|cashier)|(?:staff|employee|driver|agent|"
        r"cashier)s?\s+(?:was|were|is|are)\s+(?:so\s+|very\s+)?(?:rude|unhelpful|useless)|"
        r"cancel+ed\s+(?:my\s+)?(?:train|flight|appointment|booking))\b",
        0.5,
    ),
    Rule.of(
        _C.DEFECT,
        r"\b(?:expired|out\s+of\s+date|stale|rotten|mou?ldy|spoiled|contaminated|"
        r"(?:is|are|was|were)\s+missing\s+from|half\s+empty)\b",
        0.6,
    ),
    Rule.of(
        _C.COMMUNICATION,
        r"\b(?:(?:haven't|have\s+not|hasn't|didn't|did\s+not|never)\s+(?:heard\s+back|"
        r"received\s+(?:an?\s+|any\s+|the\s+)?(?:e-?mail|reply|response|call|update|"
        r"confirmation|answer))|no\s+(?:response|reply|answer|call\s*back)|expect\s+a\s+"
        r"(?:response|reply)|waiting\s+for\s+(?:a|your)\s+(?:response|reply|call))\b",
        0.55,
    ),
    Rule.of(
        _C.ACCOUNT_ACCESS,
        r"\b(?:log\s*in|sign\s*in|password|locked\s+out|account\s+(?:is\s+|was\s+|has\s+been\s+)?"
        r"(?:locked|blocked|suspended|frozen|hacked|disabled|closed)|2fa|two[- ]factor|"
        r"verification\s+code|reset\s+link|can(?:'t|not)\s+(?:get\s+into|access)\s+my\s+account|"
        r"username)\b",
        0.75,
    ),
    Rule.of(
        _C.EXPECTATIONS,
        r"\b(?:you\s+promised|(?:was|were)\s+promised|advertised|not\s+what\s+i\s+(?:expected|"
        r"ordered|paid\s+for)|supposed\s+to|said\s+it\s+would|not\s+as\s+described|misleading|"
        r"false\s+advertising|expected\s+(?:better|more)|for\s+(?:that|this|the)\s+price|"
        r"description\s+said|guarantee[sd]?)\b",
        0.65,
    ),
    Rule.of(
        _C.COMMUNICATION,
        r"\b(?:(?:nobody|no\s+one|no-one)\s+(?:told|informed|explained|called|replied|responded)|"
        r"(?:wasn't|was\s+not|weren't|never)\s+(?:told|informed|notified)|told\s+me\s+"
        r"(?:something\s+)?different(?:ly)?|different\s+(?:answer|story)|contradict\w*|"
        r"misunderstood|misinform\w*|conflicting\s+information|your\s+colleague\s+said|"
        r"(?:keep|kept)\s+(?:transferring|passing)\s+me|not\s+listening|no\s+updates?|"
        r"never\s+(?:got|get)\s+back|nobody\s+gets\s+back)\b",
        0.7,
    ),
)

_ARRANGING = re.compile(
    r"\b(?:(?:change|update|amend|edit|correct|redirect|re-?route|move)\s+(?:the\s+|my\s+)?"
    r"(?:\w+\s+){0,2}?(?:address|date|day|time|slot|delivery|instructions|postcode)|"
    r"(?:pick|collect)\w*\s+(?:\w+\s+){0,3}?(?:up\s+)?(?:from|at)\s+(?:the|a|your)\s+"
    r"(?:depot|store|shop|branch|post\s+office|locker|warehouse)|instead\s+of\s+(?:home\s+)?"
    r"delivery|(?:send|deliver|ship)\s+(?:it|them|the\s+\w+)\s+to\s+(?:my|a|the)\s+(?:\w+\s+)?"
    r"(?:address|office|work|neighbou?r|friend)|leave\s+(?:it|the\s+\w+)\s+(?:with|at|in))\b",
    re.IGNORECASE,
)

PROTOTYPES: dict[Cause, tuple[str, ...]] = {
    _C.DELIVERY_DELAY: (
        "My order still has not arrived and it is a week late.",
        "Where is my package? The tracking has not moved for days.",
        "The delivery was supposed to come on Monday and nothing showed up.",
        "The courier keeps postponing my parcel.",
    ),
    _C.DEFECT: (
        "The item arrived broken and does not work.",
        "The product stopped working after two days.",
        "You sent me the wrong size and the box was damaged.",
        "The screen is cracked and there are parts missing.",
    ),
    _C.BILLING: (
        "I was charged twice for the same order.",
        "My bill is much higher than it should be.",
        "You took money from my card without asking.",
        "There is a fee on my invoice that I never agreed to.",
    ),
    _C.SERVICE_FAILURE: (
        "My internet has been down since yesterday.",
        "The app keeps crashing and I cannot use your service.",
        "The website shows an error every time I try to pay.",
        "The technician never turned up and the service is still not working.",
    ),
    _C.ACCOUNT_ACCESS: (
        "I cannot log in to my account.",
        "My account has been locked and the password reset does not work.",
        "I never receive the verification code to sign in.",
        "Someone hacked my account and I am locked out.",
    ),
    _C.EXPECTATIONS: (
        "This is not what was advertised on your website.",
        "You promised it would include installation and it does not.",
        "For this price I expected much better quality.",
        "The plan does not do what the salesperson told me it would.",
    ),
    _C.COMMUNICATION: (
        "Nobody told me about the change and nobody answers my emails.",
        "Every agent I speak to tells me something different.",
        "I was never informed that my order was cancelled.",
        "You keep transferring me and no one explains what is going on.",
    ),
}

_CAUSES = tuple(PROTOTYPES)


@dataclass(frozen=True, slots=True)
class CauseGuess:
    cause: Cause
    confidence: float


def keyword_scores(text: str) -> dict[Cause, float]:
    """Evidence per cause from keyword rules (noisy-or of the hits), only causes with a hit."""
    by_cause: dict[Cause, list[float]] = {}
    for hit in find_hits(text, _RULES):
        by_cause.setdefault(Cause(hit.label), []).append(hit.weight)
    return {cause: combine(weights) for cause, weights in by_cause.items()}


_lock = threading.Lock()
_matrices: dict[Callable[[Sequence[str]], np.ndarray], np.ndarray] = {}


def _prototype_matrix(encode: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
    """(causes, prototypes, dim) array of prototype vectors, computed once per encoder."""
    with _lock:
        if encode not in _matrices:
            sentences = [s for cause in _CAUSES for s in PROTOTYPES[cause]]
            vectors = np.asarray(encode(sentences), dtype=np.float32)
            if len(_matrices) >= 4:
                _matrices.clear()
            _matrices[encode] = vectors.reshape(len(_CAUSES), -1, vectors.shape[-1])
        return _matrices[encode]


def prepare(encode: Callable[[Sequence[str]], np.ndarray]) -> None:
    """Encode the prototypes with `encode` now (it is otherwise done on the first English turn)."""
    _prototype_matrix(encode)


def _similarity_scores(
    embedding: np.ndarray, encode: Callable[[Sequence[str]], np.ndarray]
) -> dict[Cause, float]:
    """Closeness of the turn to each cause's prototypes, mapped from cosine to 0-1."""
    best = (_prototype_matrix(encode) @ embedding).max(axis=1)  # closest prototype per cause
    scaled = np.clip((best - 0.3) / 0.35, 0.0, 1.0)
    return {cause: float(s) for cause, s in zip(_CAUSES, scaled, strict=True)}


def guess_cause(
    text: str,
    complaint: float,
    embedding: np.ndarray | None = None,
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
    learned: Mapping[str, float] | None = None,
) -> CauseGuess:
    """The most likely cause and a confidence; `none` when the turn reports no problem.

    Keyword evidence, embedding similarity to the prototypes and the learned cause head's topic
    probabilities (`learned`, over `customer.heads.CAUSE_TOPICS`) combine as a noisy-or; a turn
    the head reads as about something else ("other": changing an address, a question) weakens
    the rest. When nothing points to a cause, a complaint is `other` and the rest `none`.
    """
    words = keyword_scores(text)
    sims = _similarity_scores(embedding, encode) if embedding is not None and encode else {}
    topic = dict(learned or {})
    sim_weight = 0.5 if topic else 0.75
    elsewhere = 1.0 - 0.6 * topic.get("other", 0.0)
    scores = {
        c: combine((words.get(c, 0.0), sim_weight * sims.get(c, 0.0), 0.85 * topic.get(c, 0.0)))
        * elsewhere
        for c in _CAUSES
    }
    if _ARRANGING.search(text) and not _RULES[0].pattern.search(text):
        # "Can I change my delivery address / pick it up instead?": arranging a delivery, not a
        # delay (a delay word such as "late" or "hasn't arrived" keeps the cause)
        scores[_C.DELIVERY_DELAY] *= 0.35
    best = max(scores, key=lambda c: scores[c])
    confidence = scores[best] * (0.5 + 0.5 * complaint)
    if confidence >= 0.3:
        return CauseGuess(best, round(confidence, 4))
    if complaint >= 0.5:
        return CauseGuess(Cause.OTHER, round(complaint * (1.0 - confidence), 4))
    return CauseGuess(Cause.NONE, round(1.0 - complaint, 4))
