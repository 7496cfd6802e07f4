"""Action checks: facts (P8), solution (P9), timeline (P10), promises (P11), escalation (P14)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from calmdesk.analysis.reply.check_spec import Outcome, register
from calmdesk.analysis.reply.checks.base import fail, not_needed, passed
from calmdesk.analysis.reply.checks.listen import is_clarifying
from calmdesk.analysis.reply.context import ReviewContext
from calmdesk.analysis.reply.playbook import PolicyFact
from calmdesk.domain import CalmdeskError, Commitment, Severity, Span

__all__ = [
    "escalates_clearly",
    "gives_timeline",
    "no_overpromise",
    "offers_solution",
    "past_due_promises",
    "policy_facts",
]

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_QUANTITY = re.compile(
    r"(?<![\d.])(?P<a>\d+(?:\.\d+)?)(?:\s?(?:-|to|–)\s?(?P<b>\d+(?:\.\d+)?))?\s?(?P<unit>%|percent|"
    r"(?:business |working |calendar )?(?:days?|hours?|weeks?|months?|minutes?)|dollars|euros?|"
    r"pounds)|[$€£]\s?(?P<m>\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_MONEY_CONTEXT = re.compile(
    r"\b(?:refund\w*|credit\w*|compensat\w*|reimburs\w*|voucher|"
    r"goodwill|back to you|pay you)\b",
    re.IGNORECASE,
)
_SOLUTION = ("solution_done", "solution_future", "self_serve", "remedy", "offer", "pending_done")
_PENDING = ("solution_future", "vague_solution", "escalate_next", "pending_done")
_NEGATED = re.compile(
    r"(?:rather than|instead of|without|won't be|not|don't|no need to)\s+$", re.IGNORECASE
)
_APPROVAL = re.compile(
    r"\b(?:approv\w*|supervisor|manager|escalat\w*|can't \w+ (?:\w+ )*myself|"
    r"more than I can|beyond what I)\b",
    re.IGNORECASE,
)


def _family(unit: str) -> str:
    unit = unit.lower()
    for family in ("day", "hour", "week", "month", "minute"):
        if family in unit:
            return family
    return "percent" if unit in {"%", "percent"} else "money"


def _fact_mismatches(fact: PolicyFact, draft: str) -> tuple[list[Span], list[Span]]:
    keys = re.compile("|".join(rf"\b{re.escape(k)}" for k in fact.keywords), re.IGNORECASE)
    right: list[Span] = []
    wrong: list[Span] = []
    previous = ""
    for sent in _SENTENCE.finditer(draft):
        text, before = sent.group(0), previous
        previous = text
        # the first keyword at or before a figure decides; found once per sentence (linear time)
        key = keys.search(before) or keys.search(text)
        key_at = -1 if key is None else (0 if key.string is before else key.end())
        for q in _QUANTITY.finditer(text):
            if key is None or key_at > q.start():
                continue
            unit = q.group("unit") or "money"
            if _family(unit) != _family(fact.unit):
                continue
            low = float(q.group("a") or q.group("m"))
            high = float(q.group("b") or low)
            span = Span(sent.start() + q.start(), sent.start() + q.end(), q.group(0), fact.name)
            (right if low <= fact.value <= high else wrong).append(span)
    return right, wrong


@register(
    "P8",
    "policy_facts",
    needs=("draft", "knowledge_base"),
    severity=Severity.HIGH,
    summary="figures stated about a policy match the knowledge base",
)
def policy_facts(ctx: ReviewContext) -> Outcome:
    right: list[Span] = []
    for fact in ctx.playbook.facts:
        ok, wrong = _fact_mismatches(fact, ctx.draft)
        if wrong:
            value = f"{fact.value:g} {fact.unit}"
            return fail(
                f"The knowledge base says {fact.name} is {value}; correct the figure.", wrong
            )
        right += ok
    return passed(right) if right else not_needed()


@register(
    "P9",
    "offers_solution",
    needs=("draft", "customer_signals"),
    severity=Severity.HIGH,
    summary="offers a concrete solution or next step, with options where there are several",
)
def offers_solution(ctx: ReviewContext) -> Outcome:
    c = ctx.customer
    if c.unclear or is_clarifying(ctx) or not (c.let_down or c.upset >= 0.4 or "?" in c.text):
        return not_needed()
    names = list(_SOLUTION)
    if not c.let_down and c.upset < 0.4:
        names.append("answer")  # a plain question is met by a plain answer
    concrete = [s for n in names for s in ctx.found(n)]
    if concrete or ctx.score("offers_solution") >= 0.5:
        return passed(concrete, ctx.found("options"))
    fix = "Say the concrete step you are taking (what, by whom), or offer options to choose from."
    return fail(fix, ctx.found("vague_solution"), missing=True)


@register(
    "P10",
    "gives_timeline",
    needs=("draft", "customer_signals"),
    severity=Severity.MEDIUM,
    summary="gives a concrete timeline when the problem is not solved in this reply",
)
def gives_timeline(ctx: ReviewContext) -> Outcome:
    if past := past_due_promises(ctx):
        return fail(_past_fix(past[0], ctx), [p.span for p in past], severity=Severity.HIGH)
    c = ctx.customer
    pending = [s for n in _PENDING for s in ctx.found(n)]
    timeline = ctx.found("timeline")
    if not pending and (c.unclear or not c.let_down or is_clarifying(ctx)):
        return not_needed()
    if timeline:
        return passed(timeline)
    if not pending and (ctx.found("solution_done") or ctx.found("self_serve")):
        return not_needed()  # solved in this reply
    vague = ctx.found("vague_time")
    fix = (
        "Replace the vague wording with a date or time."
        if vague
        else "Say when it will happen or when they will hear back (a day, date or hours)."
    )
    return fail(fix, vague, missing=True)


def _moment(ctx: ReviewContext) -> datetime:
    """When the draft is written: the review's `now`, else the clock (as the promises list)."""
    now = ctx.now
    return now if now is not None and now.utcoffset() is not None else datetime.now(UTC)


def past_due_promises(ctx: ReviewContext) -> list[Commitment]:
    """The draft's promises whose due time has already passed when it is written ("by 5pm today"
    at 17:31): the customer would be let down the moment the reply is sent."""
    if "past_due" not in ctx.memo:
        now = _moment(ctx)
        known = ctx.memo.get("commitments")  # (moment, promises) when the review found them
        if isinstance(known, tuple) and known[0] == now:
            found = list(known[1])
        else:
            # imported here: the promise reader (dateparser) costs ~0.2 s to import, and a
            # process that reads customers only never needs it
            from calmdesk.analysis.promises.commitments import extract_commitments

            try:
                found = extract_commitments(
                    ctx.draft, now, ctx.playbook.timezone, ctx.playbook.business_days
                )
            except CalmdeskError:
                found = []
        ctx.memo["past_due"] = [c for c in found if c.due is not None and c.due <= now]
    return list(ctx.memo["past_due"])


def _past_fix(promise: Commitment, ctx: ReviewContext) -> str:
    from calmdesk.analysis.promises.due_dates import zone

    tz = zone(ctx.playbook.timezone)
    now, due = _moment(ctx).astimezone(tz), promise.due
    assert due is not None  # past_due_promises keeps dated promises only
    local = due.astimezone(tz)
    shown = local.strftime("%H:%M") if local.date() == now.date() else local.strftime("%a %H:%M")
    return (
        f"The time you promise ({shown}) has already passed: it is {now.strftime('%H:%M')} now. "
        "Give a time that is still ahead, e.g. 'by 10am tomorrow'."
    )


_AROUND = 400


def _sentence_around(text: str, pos: int) -> str:
    """The sentence holding `pos`, with the one before it (where approval is often named)."""
    lo = max(0, pos - _AROUND)  # bounded, so many figures in one long draft stay linear
    starts = [m.start() for m in _SENTENCE.finditer(text, lo, pos + 1)]
    begin = starts[-2] if len(starts) > 1 else lo
    end = text.find(".", pos, pos + _AROUND)
    return text[begin : end if end != -1 else min(len(text), pos + _AROUND)]


def _limit_for(window: str, ctx: ReviewContext) -> float | None:
    """The refund limit, or the credit limit when the amount is a credit or voucher."""
    auth = ctx.playbook.authority
    found = _MONEY_CONTEXT.search(window)
    if not found:
        return None
    is_credit = found.group(0).lower().startswith(("credit", "voucher", "goodwill"))
    limit = auth.max_credit if is_credit else auth.max_refund
    return limit if limit is not None else auth.max_refund


def _beyond_authority(ctx: ReviewContext) -> list[Span]:
    spans: list[Span] = []
    for money in ctx.found("money"):
        window = ctx.draft[max(0, money.start - 60) : money.end + 60]
        limit = _limit_for(window, ctx)
        amount = float(re.sub(r"[^\d.]", "", money.text) or 0)
        if limit is None or amount <= limit:
            continue
        if not _APPROVAL.search(_sentence_around(ctx.draft, money.start)):
            spans.append(Span(money.start, money.end, money.text, "beyond_authority"))
    return spans


def _forbidden(ctx: ReviewContext) -> list[Span]:
    spans: list[Span] = []
    for phrase in ctx.playbook.authority.forbidden:
        for m in re.finditer(rf"\b{re.escape(phrase)}\b", ctx.draft, re.IGNORECASE):
            spans.append(Span(m.start(), m.end(), m.group(0), "beyond_authority"))
    return spans


@register(
    "P11",
    "no_overpromise",
    needs=("draft", "authority"),
    severity=Severity.HIGH,
    summary="no guarantees, no 'never again', nothing beyond the agent's authority",
)
def no_overpromise(ctx: ReviewContext) -> Outcome:
    beyond = _beyond_authority(ctx) + _forbidden(ctx)
    guarantees = ctx.found("guarantee")
    if beyond:
        return fail(
            "That is beyond your authority: offer what you may, or ask a supervisor.",
            beyond,
            guarantees,
        )
    if guarantees:
        return fail(
            "Promise only what you control: say what you will do, not that it can never fail.",
            guarantees,
        )
    return passed()


@register(
    "P14",
    "escalates_clearly",
    needs=("draft", "history"),
    severity=Severity.MEDIUM,
    summary="when escalating, says who will help and what happens next",
)
def escalates_clearly(ctx: ReviewContext) -> Outcome:
    escalating = [s for s in ctx.found("escalate") if not _NEGATED.search(ctx.draft[: s.start])]
    if not escalating:
        if ctx.customer.wants_escalation:
            return fail(
                "They asked for someone senior: say whether a supervisor will step in, "
                "who, and when.",
                missing=True,
            )
        return not_needed()
    who = ctx.found("escalate_who")
    nxt = ctx.found("escalate_next") + ctx.found("timeline")
    if who and nxt:
        return passed(escalating, who, nxt)
    return fail("Name who takes over and what happens next (and when).", escalating, missing=True)
