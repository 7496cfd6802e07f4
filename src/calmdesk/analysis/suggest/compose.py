"""The offline composer: read the customer's situation, then assemble a reply from the blocks.

The situation is read with the review's own `customer_state`, so the composer includes exactly
the parts the review will ask for: empathy when upset (P3), a limit when abusive (P13), the
customer's point said back (P2), an apology when let down (P7), a clarifying question when the
problem is unclear (P6), options and a timeline from the knowledge base (P9, P10), who helps next
when escalating (P14) and a closing check (P12).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from calmdesk.analysis.cause import guess_cause
from calmdesk.analysis.knowledge import KnowledgeBase
from calmdesk.analysis.reply.context import CustomerState, customer_state, key_terms
from calmdesk.analysis.reply.lexicon import CUSTOMER_CUES, DRAFT_PATTERNS
from calmdesk.analysis.suggest import phrases as sp
from calmdesk.analysis.suggest.claims import HANDED_OVER, as_offers
from calmdesk.analysis.text import clean_text
from calmdesk.domain import Cause, ConversationAnalysis, CustomerSignals, Turn, TurnAnalysis

__all__ = ["LAYOUTS", "Situation", "compose", "compose_candidates", "situation"]

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_RISKY = (
    "guarantee",
    "money",
    "insult",
    "profanity",
    "sarcasm",
    "calm_down",
    "blame",
    "fault_admission",
    "escalate",
    "non_apology",
)
_LOADED = re.compile(
    r"\b(?:lie[sd]?|lying|liars?|scam\w*|cheat\w*|rip-?off|thie\w+|steal\w*|fraud\w*|"
    r"sue|lawyer\w*|court)\b",
    re.IGNORECASE,
)
ESCALATE_AT = 0.75
LAYOUTS = ("plain", "bridged", "single")


@dataclass(frozen=True, slots=True)
class Situation:
    """What the reply has to meet: the customer's state, the cause, points to reflect."""

    state: CustomerState
    cause: str
    echoes: tuple[str, ...]
    escalate: bool
    closing: bool = False
    handed_over: bool = False  # the case was in fact escalated or handed over (claims.py)


def _signals(analyses: Sequence[TurnAnalysis]) -> list[CustomerSignals]:
    return [a.signals for a in analyses if isinstance(a.signals, CustomerSignals)]


def _cause(signals: list[CustomerSignals], state: CustomerState) -> str:
    for sig in reversed(signals):
        if sig.cause not in (Cause.NONE, Cause.OTHER):
            return sig.cause.value
    guess = guess_cause(state.text, 1.0 if state.let_down else 0.3)  # keywords only
    if guess.cause not in (Cause.NONE, Cause.OTHER):
        return guess.cause.value
    return Cause.OTHER.value if state.let_down else Cause.NONE.value


_WH_QUESTION = re.compile(
    r"^(where|when|why|what|how)\s+(is|are|was|were|has|have)\s+(.+?)\s*\?*$", re.IGNORECASE
)


def _as_statement(sentence: str) -> str | None:
    """A usable statement from a customer sentence, or None (questions become "where X is")."""
    text = sentence.strip()
    if "?" in text:
        m = _WH_QUESTION.match(text.rstrip("?! "))
        if m is None:
            return None
        what = sp.second_person(m.group(3))
        text = f"you would like to know {m.group(1).lower()} {what} {m.group(2).lower()}"
    loaded = _LOADED.search(text)
    if loaded:
        text = re.sub(
            r"[\s,]*\b(?:of|with|and|but|all|just|these|those|the|your)?\s*$",
            "",
            text[: loaded.start()],
        )
    return text if len(text.split()) >= 3 else None


_MARKUP = re.compile(r"[<>{}\[\]\\|`]|https?://|www\.", re.IGNORECASE)


_REQUEST = re.compile(
    r"^(?:please|just|kindly|can you|could you|would you|get|give|send|make|do|fix|tell)\b", re.I
)


def _echo_ok(sentence: str, state: CustomerState, kb_words: re.Pattern[str] | None) -> bool:
    if len(sentence.split()) > 30 or _MARKUP.search(sentence) or _REQUEST.match(sentence):
        return False
    lowered = sentence.lower()
    if any(w and w in lowered for w in state.abuse_words) or CUSTOMER_CUES["insult"].search(
        sentence
    ):
        return False
    if any(DRAFT_PATTERNS[name].search(sentence) for name in _RISKY):
        return False
    return not (kb_words and kb_words.search(sentence) and re.search(r"\d", sentence))


def _echoes(state: CustomerState, kb: KnowledgeBase) -> tuple[str, ...]:
    """Up to three ways to say the customer's point back, the most specific first."""
    keys = [re.escape(k) for f in kb.facts.values() for k in f.keywords]
    kb_words = re.compile(r"\b(?:" + "|".join(keys) + ")", re.I) if keys else None
    text = clean_text(state.concern, max_chars=20_000).text  # no controls or bidi tricks echoed
    found = [_as_statement(m.group(0)) for m in _SENTENCE.finditer(text)]
    good = [s for s in found if s is not None and _echo_ok(s, state, kb_words)]
    ranked = sorted(
        good, key=lambda s: (not CUSTOMER_CUES["let_down"].search(s), -len(key_terms(s)))
    )
    echoes = [_tidy_echo(s) for s in ranked[:3]]
    if len(echoes) >= 2 and len(key_terms(echoes[0])) < 3:
        echoes.insert(0, f"{echoes[0]}, and {echoes[1]}")
    return tuple(echoes[:3])


_GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|dear \w+|good (?:morning|afternoon|evening)|hiya|greetings)"
    r"(?: there| team| all)?[,!.]?\s+)+",
    re.IGNORECASE,
)


def _tidy_echo(sentence: str) -> str:
    text = sentence.strip().rstrip(".!").strip()
    text = re.sub(r"^(?:and|but|so|also|well|look|listen|honestly)[,]?\s+", "", text, flags=re.I)
    text = _GREETING.sub("", text)  # "Hi, my card ..." is said back as "your card ..."
    if len(text) > 160:
        text = text[:160].rsplit(",", 1)[0].rsplit(" ", 1)[0]
    return text if text.startswith("you would like") else sp.second_person(text)


_CLOSING = re.compile(
    r"\b(?:thanks|thank you|that's (?:all|everything)|that is all|it worked|works now|all good|"
    r"perfect|great|sorted|resolved|fixed now)\b",
    re.IGNORECASE,
)


def _closing(turns: Sequence[Turn], state: CustomerState) -> bool:
    """The customer is closing the conversation ("It worked, thanks!"), not raising a problem."""
    last = turns[-1].text
    return (
        bool(_CLOSING.search(last))
        and "?" not in last
        and not state.abusive
        and not state.wants_escalation
        and not CUSTOMER_CUES["let_down"].search(last)
        and len(last.split()) <= 25
    )


def situation(
    turns: Sequence[Turn],
    analyses: Sequence[TurnAnalysis],
    analysis: ConversationAnalysis | None,
    kb: KnowledgeBase,
    *,
    handed_over: bool = False,
) -> Situation:
    """Read what the next reply has to meet from the turns and their signals; `handed_over` says
    the case was in fact escalated or handed over (only then may the reply say so)."""
    state = customer_state(turns, analyses)
    signals = _signals(analyses)
    recent = signals[-1:] if signals else []
    threats = any(sig.threats for sig in recent)
    risky = analysis is not None and analysis.escalation_risk >= ESCALATE_AT
    return Situation(
        state=state,
        cause=_cause(signals, state),
        echoes=_echoes(state, kb),
        escalate=state.wants_escalation or threats or risky,
        closing=_closing(turns, state),
        handed_over=handed_over,
    )


def _opening(state: CustomerState, seed: int) -> list[str]:
    if state.upset >= 0.75:
        parts = [sp.pick(sp.EMPATHY_STRONG, seed, 1)]
    elif state.upset >= 0.4 or state.abusive:
        parts = [sp.pick(sp.EMPATHY_MEDIUM, seed, 1)]
    else:
        parts = [sp.pick(sp.GREETING, seed, 1)]
    if state.abusive:
        parts.append(sp.pick(sp.BOUNDARY, seed, 2))
    return parts


def _next_steps(sit: Situation, kb: KnowledgeBase, seed: int, layout: str) -> list[str]:
    """Who helps next, the options and the closing check.

    `layout` is "plain", "bridged" (a sentence without figures between two steps that carry
    figures, so each figure is read with its own policy) or "single" (one option only)."""
    options = [kb.render(o) for o in kb.advice(sit.cause).options[:2]]
    if layout == "single" or sit.escalate:
        options = options[:1]
    steps: list[str] = []
    if sit.escalate:
        esc = kb.escalation
        within = kb.facts[esc.within].says() if esc.within else "1 business day"
        line = sp.pick(sp.ESCALATION, seed, 5)
        steps.append(line.format(who=esc.who, action=esc.action, within=within))
        if options and layout == "bridged":
            steps.append(sp.pick(sp.BRIDGE_MEANWHILE, seed, 8))
    if not options and not sit.escalate:
        options = [sp.pick(sp.FALLBACK_STEP, seed, 6)]
    for i, option in enumerate(options):
        if i and layout == "bridged":
            steps.append(sp.pick(sp.BRIDGE_OPTION, seed, 9))
        steps.append(option)
    check = sp.CHECK_OPTIONS if len(options) > 1 else sp.CHECK_ONE
    return [*steps, sp.pick(check, seed, 7)]


_GOOD_NEWS = re.compile(
    r"^(?:it|this|that|everything|the \w+|my \w+)\s+(?:is|works?|worked|has|was|arrived|came|"
    r"looks)\b[^,;]*",
    re.IGNORECASE,
)


def _good_news(text: str) -> str | None:
    """The customer's good news in second person ("it worked"), if they stated one plainly."""
    for m in _SENTENCE.finditer(clean_text(text, max_chars=2_000).text):
        sentence = re.sub(
            r"^(?:ok(?:ay)?|yes|great|good news)[,!.]?\s+", "", m.group(0).strip(), flags=re.I
        )
        news = _GOOD_NEWS.match(sentence.rstrip(".!"))
        if news and not _MARKUP.search(news.group(0)):
            return sp.second_person(news.group(0).strip())
    return None


def _closing_reply(sit: Situation, seed: int, news: str | None) -> str:
    """Thank, confirm, and offer a follow-up (A3) when the customer is wrapping up."""
    parts = [sp.pick(sp.CLOSING_THANKS, seed, 1).format(echo=news or "we could help")]
    if sit.state.upset >= 0.4:
        strong = sit.state.upset >= 0.75
        parts.append(sp.pick(sp.EMPATHY_STRONG if strong else sp.EMPATHY_MEDIUM, seed, 2))
    if sit.state.let_down:
        parts.append(sp.pick(sp.CLOSING_APOLOGY, seed, 4))
    parts += [sp.pick(sp.FOLLOW_UP, seed, 6), sp.pick(sp.CHECK_ONE, seed, 7)]
    return " ".join(parts)


def compose(
    sit: Situation, kb: KnowledgeBase, seed: int, echo: str | None, layout: str = "plain"
) -> str:
    """One reply for the situation; `echo` is the customer's point to say back (P2)."""
    if sit.closing:
        return _closing_reply(sit, seed, _good_news(sit.state.text))
    state = sit.state
    parts = _opening(state, seed)
    concern_cause = sit.cause if sit.cause != Cause.NONE.value else Cause.OTHER.value
    concern = kb.advice(concern_cause).concern
    if not state.unclear and (echo or (state.upset >= 0.4 and not state.let_down)):
        # without the customer's own words, the apology below names the concern once
        parts.append(sp.pick(sp.REFLECT, seed, 3).format(echo=echo or concern))
    if state.let_down:
        parts.append(sp.pick(sp.APOLOGY, seed, 4).format(concern=concern))
    if state.unclear:
        parts.append(kb.clarifying_question)
    else:
        parts += _next_steps(sit, kb, seed, layout)
    return " ".join(parts)


def compose_candidates(sit: Situation, kb: KnowledgeBase, seed: int) -> list[str]:
    """A few replies in a fixed order (each reflecting a different point), best first; an action
    nobody took is offered, never claimed (claims.py)."""
    echoes: list[str | None] = list(sit.echoes) or [None]
    done = (HANDED_OVER,) if sit.handed_over else ()
    texts = [
        as_offers(compose(sit, kb, s, echo, layout), done)
        for s in (seed, seed + 1)
        for layout in LAYOUTS
        for echo in echoes
    ]
    return list(dict.fromkeys(texts))
