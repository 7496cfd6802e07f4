"""Customer-turn signals: the model heads and the rules combined, with the turns before in view.

Each scorer below is registered by name (see `registry.py`) and fills some `CustomerSignals`
fields. The weights are hand-set and documented in docs/analysis.md; they keep a model score in
charge where the model is good (emotion, anger, politeness) and let rules add what a model misses
(spans, shouting, a manager asked for twice).
"""

from __future__ import annotations

import math
from typing import Any

from calmdesk.analysis.cause import guess_cause
from calmdesk.analysis.context import TurnContext
from calmdesk.analysis.customer import model
from calmdesk.analysis.customer.negated import negated_kinds
from calmdesk.analysis.mentions import find_mentions
from calmdesk.analysis.patterns import combine, find_abuse
from calmdesk.analysis.registry import register, scorers
from calmdesk.domain.signals import EMOTIONS, CustomerSignals, Mention, MentionKind, Span

__all__ = [
    "LEARNED",
    "UPSET_AT",
    "customer_signals",
    "learned_signals",
    "rule_reading",
    "sure_at",
]

UPSET_AT = 0.5
"""Upset at or above this counts as an upset turn (trend and reasons use it too)."""


def _clip(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


_PRESSING = frozenset(
    {
        MentionKind.SUPERVISOR,
        MentionKind.LEGAL,
        MentionKind.CHARGEBACK,
        MentionKind.PUBLIC_REVIEW,
        MentionKind.CANCEL,
    }
)


def _sarcastic_praise(ctx: TurnContext, done: dict[str, Any]) -> float:
    """How much of the turn's praise is sarcastic: praise words read the other way round."""
    praise = max(ctx.tone.positive, ctx.cues.irony)
    return _clip(done["sarcasm"] * (0.4 + 0.6 * praise) * 1.3)


@register("language", needs={"heads"}, sets=("language", "language_supported"))
def _language(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    return {"language": ctx.heads.language, "language_supported": ctx.heads.language_supported}


@register("sarcasm", needs={"text", "heads"}, sets=("sarcasm",))
def _sarcasm(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    # The head (iSarcasmEval) is trusted more where there is praise to turn; the rule is praise
    # beside a complaint ("Fantastic service as always. Third week waiting...").
    tone = ctx.tone
    rule = combine((tone.positive * tone.contrast, ctx.cues.irony))
    praise = max(tone.positive, ctx.cues.irony)
    model = ctx.heads.sarcasm * (0.45 + 0.55 * praise)
    return {"sarcasm": _clip(combine((0.8 * rule, model)))}


@register("mentions", needs={"text"}, sets=("requests", "threats", "mention_scores"))
def _mentions(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    found = find_mentions(ctx.text)
    requests, threats = list(found.requests), list(found.threats)
    if ctx.cues.requests or ctx.cues.threats:
        requests = sorted(requests + ctx.cues.requests, key=lambda m: m.span.start)
        threats = sorted(threats + ctx.cues.threats, key=lambda m: m.span.start)
    kinds = {m.kind for m in (*requests, *threats)}
    scores = {k.value: 1.0 if k in kinds else 0.0 for k in model.MENTION_SIGNALS.values()}
    return {"requests": requests, "threats": threats, "mention_scores": scores}


@register("waiting", needs={"text"}, sets=("waiting",))
def _waiting(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    repeat = any(m.kind is MentionKind.REPEAT_CONTACT for m in done["requests"])
    return {"waiting": _clip(combine((ctx.tone.waiting, 0.7 if repeat else 0.0)))}


@register("emotion", needs={"text", "heads"}, sets=("emotion",))
def _emotion(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    raw = {name: max(0.0, ctx.heads.emotion.get(name, 0.0)) for name in EMOTIONS}
    total = sum(raw.values()) or 1.0
    emo = {name: value / total for name, value in raw.items()}
    tone = ctx.tone
    # Sarcastic praise is not satisfaction; a demand, shouting or waiting is not neutral.
    turned = emo["satisfaction"] * min(1.0, 1.2 * _sarcastic_praise(ctx, done))
    pressing = any(m.kind is MentionKind.SUPERVISOR for m in done["requests"]) or any(
        m.kind in _PRESSING for m in done["threats"]
    )
    repeat = any(m.kind is MentionKind.REPEAT_CONTACT for m in done["requests"])
    pressure = combine(
        (
            0.6 * tone.shouting,
            0.3 * tone.exclaiming,
            0.5 * tone.negative,
            0.75 if pressing else 0.0,
            0.6 * done["waiting"],
            0.5 if repeat else 0.0,  # "third time writing": having to ask again is not neutral
            0.7 * _sarcastic_praise(ctx, done),
        )
    ) * (1.0 - 0.6 * tone.mild)
    moved = turned + emo["neutral"] * pressure
    if moved > 0:
        angry = _clip(0.3 + 0.6 * tone.shouting + 0.3 * tone.exclaiming)
        emo["satisfaction"] -= turned
        emo["neutral"] -= emo["neutral"] * pressure
        emo["anger"] += moved * angry
        emo["frustration"] += moved * (1.0 - angry)
    return {"emotion": emo}


@register("abuse", needs={"text", "heads"}, sets=("abuse", "abuse_kinds", "abuse_spans"))
def _abuse(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    found = find_abuse(ctx.text)
    extra = ctx.cues.abuse
    spans = sorted(found.spans + extra.spans, key=lambda s: s.start)
    kinds = list(dict.fromkeys([*found.kinds, *extra.kinds]))
    # The offensive head alone (no rule hit) is trusted only when it is confident, and less when
    # the turn says it is minor ("kind of annoying, no big deal" is not abuse).
    model = max(0.0, ctx.heads.offensive - 0.3) / 0.7 * 0.85 * (1.0 - 0.7 * ctx.tone.mild)
    score = combine((found.score, extra.score)) if spans else 0.0
    return {
        "abuse": _clip(max(score, combine((score * 0.8, model)) if score else model)),
        "abuse_kinds": kinds,
        "abuse_spans": spans,
    }


@register("anger", needs={"text", "heads"}, sets=("anger",))
def _anger(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    tone = ctx.tone
    model = max(ctx.heads.anger, done["emotion"]["anger"])
    rules = combine((0.4 * tone.shouting, 0.3 * tone.exclaiming, 0.35 * tone.negative))
    calm = 0.5 * tone.gratitude * (1.0 - tone.negative) * (1.0 - _sarcastic_praise(ctx, done))
    evidence = combine((model, rules, 0.6 * done["abuse"])) * (1.0 - 0.5 * tone.mild)
    return {"anger": _clip(evidence - calm)}


@register("complaint", needs={"text", "heads"}, sets=("complaint",))
def _complaint(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    tone = ctx.tone
    sarcastic = _sarcastic_praise(ctx, done)
    pieces = (ctx.heads.complaint, 0.35 * tone.negative, 0.45 * done["waiting"], 0.4 * sarcastic)
    thanks = 0.6 * tone.gratitude * (1.0 - tone.negative) * (1.0 - sarcastic)
    return {"complaint": _clip(combine(pieces) - thanks)}


@register("cause", needs={"text", "embedding", "history"}, sets=("cause", "cause_confidence"))
def _cause(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    english = ctx.language == "en"
    guess = guess_cause(
        ctx.text,
        done["complaint"],
        ctx.embedding if english else None,
        ctx.encode,
        learned=ctx.heads.cause or None,
    )
    earlier = [s for s in ctx.history if s.cause.value not in ("none", "other")]
    still_upset = done["complaint"] >= 0.5 or done["anger"] >= 0.5
    if guess.cause.value in ("none", "other") and earlier and still_upset:
        # A follow-up ("still nothing!") keeps the cause named earlier, with less confidence.
        last = earlier[-1]
        return {"cause": last.cause, "cause_confidence": round(0.8 * last.cause_confidence, 4)}
    return {"cause": guess.cause, "cause_confidence": guess.confidence}


def _hours_waiting(ctx: TurnContext) -> float:
    if ctx.at is None or ctx.first_at is None:
        return 0.0
    return max(0.0, (ctx.at - ctx.first_at).total_seconds() / 3600)


@register("urgency", needs={"text", "history"}, sets=("urgency",))
def _urgency(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    repeat = any(m.kind is MentionKind.REPEAT_CONTACT for m in done["requests"])
    earlier_upset = sum(1 for s in ctx.history if s.upset >= UPSET_AT)
    carried = 0.6 * max((s.urgency for s in ctx.history), default=0.0)
    evidence = (
        ctx.tone.urgency,
        0.3 * ctx.tone.exclaiming,
        0.35 if repeat else 0.0,
        0.55 * done["waiting"],
        min(0.3, 0.1 * earlier_upset),
        min(0.3, _hours_waiting(ctx) / 72 * 0.3),
        carried,
    )
    calm = 0.7 * ctx.tone.gratitude * (1.0 - ctx.tone.negative)
    calm = combine((calm, 0.5 * ctx.tone.mild))
    return {"urgency": _clip(combine(evidence) - calm)}


@register("politeness", needs={"heads"}, sets=("politeness",))
def _politeness(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    rude = combine((done["abuse"], 0.3 * ctx.tone.shouting))
    return {"politeness": _clip(ctx.heads.politeness * (1.0 - 0.8 * rude))}


@register("upset", needs={"text", "heads", "history"}, sets=("upset",))
def _upset(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    emo = done["emotion"]
    mass = emo["anger"] + emo["frustration"] + 0.8 * emo["sadness"] + 0.6 * emo["anxiety"]
    tone = ctx.tone
    sarcastic = _sarcastic_praise(ctx, done)
    pieces = (
        0.75 * mass,
        0.8 * done["anger"],
        0.35 * done["complaint"],
        0.5 * tone.negative,
        0.3 * tone.shouting,
        0.2 * tone.exclaiming,
        0.7 * done["abuse"],
        0.25 if done["threats"] else 0.0,
        0.55 * done["waiting"],
        0.6 * sarcastic,
    )
    relief = tone.gratitude * (1.0 - tone.negative) * (0.5 + 0.5 * emo["satisfaction"])
    relief *= 1.0 - sarcastic
    spans = 0.7 if done["abuse_spans"] else 0.0  # words that say it is minor do not excuse abuse
    mild = 1.0 - 0.85 * tone.mild * (1.0 - spans)
    return {"upset": _clip(combine(pieces) * (1.0 - 0.85 * relief) * mild)}


LEARNED = "learned"
"""The scorer that reads the learned signal heads over what the rule scorers found."""


_PLAIN = ("upset", "anger", "abuse", "sarcasm", "urgency", "waiting")
"""The signals read as a head's probability joined with the rules (the rest are mentions)."""


@register(
    LEARNED,
    needs={"text", "heads", "embedding", "history"},
    sets=(*_PLAIN, "requests", "threats", "mention_scores"),
)
def _learned(ctx: TurnContext, done: dict[str, Any]) -> dict[str, Any]:
    probs = model.read(ctx, done)
    if probs is None:
        return {}
    return learned_signals(ctx, done, probs)


def learned_signals(
    ctx: TurnContext, done: dict[str, Any], probs: dict[str, float]
) -> dict[str, Any]:
    """The learned probabilities joined with the rules' findings (see docs/analysis.md)."""
    tone = ctx.tone
    # what the rules read with confidence ("I am furious", sarcastic praise beside a complaint)
    # stays at least that strong where the heads are unsure
    probs = {**probs, **{n: _sure(probs[n], done[n], sure_at(n)) for n in _PLAIN}}
    out: dict[str, Any] = {name: probs[name] for name in _PLAIN}  # both 0-1
    # Hard checks from the rules: thanks the rules read as sincere (not negated, not beside a
    # complaint, not sarcastic praise) and words that say it is minor lower upset, unless abusive.
    relief = (
        tone.gratitude * (1.0 - tone.negative) * (1.0 - tone.contrast) * (1.0 - done["sarcasm"])
    )
    minor = 0.85 * tone.mild * (0.0 if done["abuse_spans"] else 1.0)
    # an angry turn is an upset one: upset is at least the anger head's reading
    upset = max(probs["upset"], probs["anger"])
    upset = _clip(upset * (1.0 - relief) * (1.0 - minor))
    out["upset"] = upset
    # anger and sarcasm are kinds of upset (every angry or sarcastic turn of the labelled set is
    # upset): each head must agree with the upset one, so sincere praise is not sarcasm
    out["anger"] = _clip(math.sqrt(probs["anger"] * upset))
    out["sarcasm"] = _clip(math.sqrt(probs["sarcasm"] * upset) * (1.0 - relief))
    # waiting and repeat contact press for an answer (issue 8): a floor under urgency; "not
    # urgent", "no rush" lower it
    urgency = max(out["urgency"], WAITING_URGENCY * out["waiting"])
    out["urgency"] = _clip(urgency * (1.0 - minor))
    # abuse: words the rules know (spans) always count; the head reads the rest
    if done["abuse_spans"]:
        out["abuse"] = max(out["abuse"], done["abuse"])
    requests, threats = list(done["requests"]), list(done["threats"])
    cutoffs = model.load().thresholds
    scores: dict[str, float] = {}
    refused: set[MentionKind] | None = None
    for name, kind in model.MENTION_SIGNALS.items():
        found = any(m.kind is kind for m in (*requests, *threats))
        scores[kind.value] = 1.0 if found else round(probs[name], 4)
        if found or probs[name] < cutoffs.get(name, 0.5):
            continue
        if refused is None:
            refused = negated_kinds(ctx.text, ctx.language)
        if kind in refused:  # "I don't want your manager": the rules saw the negation
            scores[kind.value] = 0.0
            continue
        # read by the model without a phrase the rules know: the turn is the explanation
        whole = Mention(kind, _turn_span(ctx.text, kind))
        (requests if kind in _REQUEST_KINDS else threats).append(whole)
    out["requests"], out["threats"], out["mention_scores"] = requests, threats, scores
    return out


WAITING_URGENCY = 0.6
"""Urgency is at least this times the turn's waiting."""
RULES_SURE = 0.6
"""A rule reading at least this high is a floor under the learned probability."""
SURE_AT: dict[str, float] = {"anger": 0.8, "upset": 0.9}
"""...except for these: the rule readings of anger and upset also rise for a frustrated or a
calm turn (negative words, "!", a request for a call back), and at 0.6 their floors cost dev
cross-validated AUC and read calm requests as upset (see docs/analysis.md)."""


def sure_at(signal: str) -> float:
    """The rule reading at which `signal`'s rule score is a floor under the learned one."""
    return SURE_AT.get(signal, RULES_SURE)


_REQUEST_KINDS = frozenset({MentionKind.SUPERVISOR, MentionKind.CANCEL})


def _sure(learned: float, rules: float, at: float = RULES_SURE) -> float:
    return max(learned, rules) if rules >= at else learned


def _turn_span(text: str, kind: MentionKind) -> Span:
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return Span(start, end, text[start:end], kind.value)


def rule_reading(ctx: TurnContext) -> dict[str, Any]:
    """What the rule scorers alone find (every scorer but the learned one): the learned heads'
    inputs, which training reads too."""
    done: dict[str, Any] = {}
    for each in scorers():
        if each.name != LEARNED:
            done.update(each(ctx, done))
    return done


def customer_signals(ctx: TurnContext) -> CustomerSignals:
    """Run every registered scorer over one customer turn and build its signals."""
    done: dict[str, Any] = {}
    for each in scorers():
        done.update(each(ctx, done))
    return CustomerSignals(**done, truncated=ctx.truncated)
