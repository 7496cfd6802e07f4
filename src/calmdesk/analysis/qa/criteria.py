"""The conversation criteria of the rubric, registered by name (spec.py, registry.py, docs/qa.md).

Each returns pass, fail or not applicable with evidence (turn and span, or a record fact)."""

from __future__ import annotations

import re
from datetime import datetime

from calmdesk.analysis.qa.outcome import opening_upset, promises, resolution, waits
from calmdesk.analysis.qa.scorecard import CriterionResult, CriterionStatus, Evidence
from calmdesk.analysis.qa.spec import criterion
from calmdesk.analysis.qa.turns import MAX_EVIDENCE, judged, turn_scores
from calmdesk.analysis.qa.view import ConversationView, Reply
from calmdesk.domain import CheckStatus, CustomerSignals, MentionKind, Span, Trend

__all__: list[str] = []

PASS, FAIL, NA = CriterionStatus.PASS, CriterionStatus.FAIL, CriterionStatus.NOT_APPLICABLE


def _out(name: str, status: CriterionStatus, weight: float, *evidence: Evidence) -> CriterionResult:
    return CriterionResult(
        name, status, weight, tuple(evidence[:MAX_EVIDENCE]), 1.0 if status is PASS else 0.0
    )


def _check(reply: Reply, name: str) -> CheckStatus | None:
    if reply.review is None:
        return None
    return next((c.status for c in reply.review.checks if c.name == name), None)


def _when(at: datetime | None) -> str:
    return at.isoformat() if at is not None else "an unknown time"


_HOT = frozenset({MentionKind.SUPERVISOR, MentionKind.CANCEL, MentionKind.REPEAT_CONTACT})


def _still_hot(signals: CustomerSignals) -> bool:
    """A last turn that asks for a manager, threatens, abuses or is angry is not calm, whatever
    its upset score."""
    return (
        signals.anger >= 0.5
        or signals.abuse >= 0.5
        or bool(signals.threats)
        or any(m.kind in _HOT for m in signals.requests)
    )


@criterion(
    "de_escalation",
    practice="P3, P4, P13",
    summary="an upset customer ends calmer than they started",
)
def de_escalation(view: ConversationView, weight: float) -> CriterionResult:
    name, start = "de_escalation", opening_upset(view)
    if start is None:
        return _out(name, NA, weight, Evidence("no customer turns"))
    peak_i, peak = max(view.customer, key=lambda c: c[1].upset)
    if peak.upset < view.qa.upset_at:
        return _out(
            name, NA, weight, Evidence(f"the customer was never upset (peak {peak.upset:.2f})")
        )
    if len(view.customer) < 2 or view.customer[-1][0] == peak_i:
        note = f"turn {peak_i}: upset {peak.upset:.2f} and no calmer customer turn after it"
        return _out(name, FAIL, weight, Evidence(note, peak_i))
    end_i, end = view.customer[-1]
    calm = not _still_hot(end) and (
        end.upset < view.qa.recovered_below
        or (view.analysis.trend is Trend.COOLING and end.upset < view.qa.upset_at)
    )
    opening = Evidence(f"turn {start[0]}: upset {start[1].upset:.2f} at the start", start[0])
    if peak_i != start[0]:
        opening = Evidence(f"turn {peak_i}: upset peaked at {peak.upset:.2f}", peak_i)
    closing = Evidence(f"turn {end_i}: upset {end.upset:.2f} at the end", end_i)
    return _out(name, PASS if calm else FAIL, weight, opening, closing)


@criterion("resolution", practice="P9, A1", summary="the problem was resolved and stayed resolved")
def resolution_criterion(view: ConversationView, weight: float) -> CriterionResult:
    name, done, facts = "resolution", resolution(view), view.facts
    if done.resolved is None:
        note = f"still {facts.status} on record" if facts.status else "no customer turns"
        return _out(name, NA, weight, Evidence(note))
    if facts.reopened:
        return _out(name, FAIL, weight, Evidence(f"reopened {facts.reopened} time(s) on record"))
    if done.source == "record":
        return _out(name, PASS, weight, Evidence(f"{facts.status} on record at {_when(done.at)}"))
    end_i, end = view.customer[-1]
    if done.resolved:
        return _out(name, PASS, weight,
                    Evidence(f"turn {end_i}: the customer ends satisfied", end_i))  # fmt: skip
    note = f"turn {end_i}: the customer's last turn shows no sign the problem was solved"
    if end.upset >= view.qa.upset_at:
        note = f"turn {end_i}: the customer ends upset ({end.upset:.2f})"
    return _out(name, FAIL, weight, Evidence(note, end_i))


def _kept(due: datetime | None, done_at: datetime | None) -> bool:
    return done_at is not None and (due is None or done_at <= due)


def _broken_in_transcript(view: ConversationView, due: datetime | None) -> int | None:
    """A customer turn after the due time that still complains: the promise reads as broken."""
    if due is None:
        return None
    for i, signals in view.customer:
        at = view.at(i)
        if at is not None and at > due and (signals.complaint >= 0.5 or signals.upset >= 0.5):
            return i
    return None


@criterion("promises_kept", practice="A2", summary="promises kept on time and the customer told")
def promises_kept(view: ConversationView, weight: float) -> CriterionResult:
    name = "promises_kept"
    made, source = promises(view)
    if not made:
        return _out(name, NA, weight, Evidence("no promises made"))
    as_of = view.facts.as_of
    bad: list[Evidence] = []
    good: list[Evidence] = []
    for p in made:
        label = f"turn {p.turn}: " if p.turn is not None else ""
        what = f"{label}{p.action or 'a promise'} (due {_when(p.due)})"
        if source == "transcript":
            if (late := _broken_in_transcript(view, p.due)) is not None:
                bad.append(
                    Evidence(f"{what}: turn {late} still complains after the due time", late)
                )
            continue
        if _kept(p.due, p.done_at) and p.customer_told:
            good.append(Evidence(f"{what}: kept on time and the customer was told", p.turn))
        elif _kept(p.due, p.done_at):
            bad.append(Evidence(f"{what}: kept, but the customer was never told", p.turn))
        elif p.done_at is not None:
            bad.append(Evidence(f"{what}: kept late, at {_when(p.done_at)}", p.turn))
        elif p.due is not None and as_of is not None and as_of > p.due:
            bad.append(Evidence(f"{what}: overdue and not done", p.turn))
    if bad:
        return _out(name, FAIL, weight, *bad)
    if good:
        return _out(name, PASS, weight, *good)
    note = "promises not yet due" if source == "record" else "no record of delivery"
    return _out(name, NA, weight, Evidence(note, made[0].turn))


def _escalation_start(view: ConversationView) -> tuple[int | None, Evidence] | None:
    for fact in view.facts.escalations:
        return fact.turn, Evidence(f"escalated on record: {fact.reason or fact.rule or ''}".strip(),
                                   fact.turn)  # fmt: skip
    for i, signals in view.customer:
        for m in signals.requests:
            if m.kind is MentionKind.SUPERVISOR:
                return i, Evidence(f"turn {i}: the customer asked for someone senior", i, m.span)
    for reply in view.agent:
        if _check(reply, "escalates_clearly") in (CheckStatus.PASS, CheckStatus.FAIL):
            return reply.index, Evidence(f"turn {reply.index}: the agent escalated", reply.index)
    return None


@criterion(
    "escalation_handled",
    practice="P14",
    summary="after an escalation the customer was told who will help and what next",
)
def escalation_handled(view: ConversationView, weight: float) -> CriterionResult:
    name, start = "escalation_handled", _escalation_start(view)
    if start is None:
        return _out(name, NA, weight, Evidence("no escalation and no request for one"))
    first, why = start
    after = [r for r in view.agent if first is None or r.index >= first]
    told = [r for r in after if _check(r, "escalates_clearly") is CheckStatus.PASS]
    if told:
        note = f"turn {told[0].index}: the customer was told who will help and what next"
        return _out(name, PASS, weight, why, Evidence(note, told[0].index))
    nobody = Evidence("no agent turn told the customer who will help and what next")
    return _out(name, FAIL, weight, why, nobody)


@criterion(
    "limits_before_block",
    practice="P13",
    summary="a blocked customer was first told that abuse is not acceptable",
)
def limits_before_block(view: ConversationView, weight: float) -> CriterionResult:
    name, blocked = "limits_before_block", view.facts.blocked_at
    if blocked is None:
        return _out(name, NA, weight, Evidence("the customer was not blocked"))
    before = [r for r in view.agent if r.at is None or r.at <= blocked]
    limits = [r for r in before if _check(r, "sets_boundary") is CheckStatus.PASS]
    block = Evidence(f"blocked on record at {_when(blocked)}")
    if limits:
        note = f"turn {limits[0].index}: a limit was set before the block"
        return _out(name, PASS, weight, Evidence(note, limits[0].index), block)
    return _out(name, FAIL, weight, block, Evidence("no agent turn set a limit before the block"))


_THANKS = re.compile(
    r"\b(thank(s| you)|anything else|glad (it|that|we|i)|happy to help|let (me|us) know|"
    r"is everything|all sorted|does (that|this) (work|help))\b",
    re.IGNORECASE,
)


@criterion(
    "follow_up",
    practice="A3",
    summary="after resolution the team checked back and thanked the customer",
)
def follow_up(view: ConversationView, weight: float) -> CriterionResult:
    name, facts, done = "follow_up", view.facts, resolution(view)
    if not done.resolved:
        return _out(name, NA, weight, Evidence("not resolved yet"))
    if facts.follow_up_known:
        if facts.follow_up_done_at is not None:
            late = facts.follow_up_due is not None and facts.follow_up_done_at > facts.follow_up_due
            note = f"follow-up done at {_when(facts.follow_up_done_at)}" + (
                " (late)" if late else ""
            )
            return _out(name, FAIL if late else PASS, weight, Evidence(note))
        due, as_of = facts.follow_up_due, facts.as_of
        if due is not None and (as_of is None or as_of <= due):
            return _out(name, NA, weight, Evidence(f"follow-up due {_when(due)}, not yet"))
        return _out(name, FAIL, weight, Evidence("no follow-up done on record"))
    turns = view.conversation.turns
    if done.source != "transcript" or done.turn is None or not any(t.text for t in turns):
        return _out(name, NA, weight, Evidence("no follow-up on record"))
    closing = [r for r in view.agent if r.index > done.turn]
    for reply in closing:
        if m := _THANKS.search(reply.text):
            span = Span(m.start(), m.end(), m.group(0), "follow_up")
            note = (
                f"turn {reply.index}: the agent thanked the customer or checked they are satisfied"
            )
            return _out(name, PASS, weight, Evidence(note, reply.index, span))
    note = f"turn {done.turn}: nobody checked back or thanked the customer after the fix"
    return _out(name, FAIL, weight, Evidence(note, done.turn))


@criterion(
    "response_times",
    practice="T3",
    summary="the first and every next agent reply came within the SLA",
)
def response_times(view: ConversationView, weight: float) -> CriterionResult:
    name, facts = "response_times", view.facts
    first_t, next_t = facts.first_response_target_s, facts.next_response_target_s
    if first_t is None and next_t is None:
        return _out(name, NA, weight, Evidence("no SLA targets on record"))
    found = waits(view)
    if found is None:
        return _out(name, NA, weight, Evidence("turn times are missing"))
    timed = [(w, t) for w in found if (t := first_t if w.first else next_t) is not None]
    if not timed:
        return _out(name, NA, weight, Evidence("no agent reply to time"))
    breaches = [
        Evidence(
            f"turn {w.customer_turn}: waited {w.seconds:.0f} s for "
            f"{'the first' if w.first else 'a'} reply (target {t:.0f} s)"
            + ("" if w.reply is not None else ", still unanswered"),
            w.reply if w.reply is not None else w.customer_turn,
        )
        for w, t in timed
        if w.seconds > t
    ]
    if breaches:
        return _out(name, FAIL, weight, *breaches)
    longest = max(timed, key=lambda wt: wt[0].seconds)[0]
    note = f"{len(timed)} repl(ies) within target; longest wait {longest.seconds:.0f} s"
    return _out(name, PASS, weight, Evidence(note, longest.reply))


@criterion(
    "repeat_contact",
    practice="T3, C4",
    summary="the customer did not have to contact the team again about it",
)
def repeat_contact(view: ConversationView, weight: float) -> CriterionResult:
    name = "repeat_contact"
    if not view.customer:
        return _out(name, NA, weight, Evidence("no customer turns"))
    said = [
        Evidence(f"turn {i}: says they have contacted you before", i, m.span)
        for i, signals in view.customer
        for m in signals.requests
        if m.kind is MentionKind.REPEAT_CONTACT
    ]
    earlier = view.facts.previous_contacts
    if earlier:
        said.insert(0, Evidence(f"{earlier} earlier conversation(s) on record shortly before"))
    if said:
        return _out(name, FAIL, weight, *said)
    note = "no sign of an earlier contact" + (" (record: none)" if earlier == 0 else "")
    return _out(name, PASS, weight, Evidence(note))


@criterion("bot_replies", practice="T2", summary="the bot's replies against the checks")
def bot_replies(view: ConversationView, weight: float) -> CriterionResult:
    name = "bot_replies"
    reviewed = [r for r in view.bot if r.review is not None]
    if not reviewed:
        note = "no bot turns" if not view.bot else "bot turns could not be reviewed (no text)"
        return _out(name, NA, weight, Evidence(note))
    failed: list[Evidence] = []
    for r in reviewed:
        for c in judged(r):
            if c.status is CheckStatus.FAIL:
                span = c.evidence[0] if c.evidence else None
                note = f"turn {r.index}: the bot's reply failed {c.check} {c.name}"
                failed.append(Evidence(note, r.index, span))
    scores = turn_scores(reviewed, view.playbook)
    credit = sum(t.score for t in scores) / (100 * len(scores))
    if failed:
        return CriterionResult(name, FAIL, weight, tuple(failed[:MAX_EVIDENCE]), credit)
    note = f"{len(reviewed)} bot repl(ies) passed every check that applied"
    return CriterionResult(name, PASS, weight, (Evidence(note, reviewed[0].index),), credit)
