"""Promises in an agent's reply (playbook A2): what will be done, by whom, and by when.

A promise is a clause whose subject commits to a future action: "I'll send a replacement by
Friday", "your refund will arrive within 5 business days", "someone from billing will email you by
end of day". Offers ("I can ..."), questions, past tense, hedges ("hopefully", "I think") and
refusals ("we cannot promise ...") are not promises. The deadline is resolved by `due_dates`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from calmdesk.analysis.promises import patterns as pp
from calmdesk.analysis.promises.due_dates import DueRules, find_due, parse_business_days, zone
from calmdesk.domain.errors import EmptyInput, InputTooLarge, MalformedInput, UnsupportedValue
from calmdesk.domain.review import Commitment
from calmdesk.domain.signals import Span

__all__ = ["MAX_PROMISE_TEXT", "extract_commitments"]

MAX_PROMISE_TEXT = 20_000


def extract_commitments(
    text: str,
    now: datetime,
    tz: str | ZoneInfo = "UTC",
    business_days: str | Iterable[int] = "Mon,Tue,Wed,Thu,Fri",
    *,
    rules: DueRules | None = None,
) -> list[Commitment]:
    """Every promise in `text`, in order, with its deadline resolved to a UTC-aware datetime.

    `now` is when the reply is written (aware), `tz` the team's IANA time zone and `business_days`
    the weekdays the team works ("Mon,Tue,..." or weekday numbers, Monday = 0).
    """
    _check_text(text)
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise UnsupportedValue("`now` must be an aware datetime (with a time zone).")
    when = _When(
        now, tz if isinstance(tz, ZoneInfo) else zone(tz), _rules_for(business_days, rules)
    )
    found: list[Commitment] = []
    for start, end in _sentences(text):
        found.extend(_sentence_commitments(text, start, end, when))
    return found


def _check_text(text: object) -> None:
    if not isinstance(text, str):
        raise MalformedInput(f"A reply must be text (a string); got {type(text).__name__}.")
    if not text.strip():
        raise EmptyInput("The reply is empty; there is nothing to read promises from.")
    if len(text) > MAX_PROMISE_TEXT:
        raise InputTooLarge(f"The reply is longer than {MAX_PROMISE_TEXT} characters; shorten it.")


def _rules_for(business_days: str | Iterable[int], rules: DueRules | None) -> DueRules:
    base = rules or DueRules()
    if isinstance(business_days, str):
        days = parse_business_days(business_days)
    else:
        days = frozenset(int(d) % 7 for d in business_days)
    return DueRules(
        end_of_day=base.end_of_day,
        morning=base.morning,
        noon=base.noon,
        afternoon=base.afternoon,
        evening=base.evening,
        tonight=base.tonight,
        business_days=days or base.business_days,
    )


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pp.SENTENCE.finditer(text) if m.group().strip()]


@dataclass(frozen=True, slots=True)
class _When:
    now: datetime
    tz: str | ZoneInfo
    rules: DueRules


def _sentence_commitments(text: str, start: int, end: int, when: _When) -> list[Commitment]:
    sentence = text[start:end].rstrip()
    if sentence.endswith("?") or pp.QUESTION_OPENING.match(sentence.lstrip()):
        return []
    triggers = [m for m in pp.TRIGGER.finditer(text, start, end) if _is_promise(text, start, m)]
    out: list[Commitment] = []
    region_start = start
    for i, m in enumerate(triggers):
        clause_end = _clause_end(text, m, triggers[i + 1].start() if i + 1 < len(triggers) else end)
        if pp.CONDITION.search(text, region_start, m.start()):
            region_start = m.start()  # a deadline in "if ... by Friday" or "please ..." is not ours
        out.extend(_clause_commitments(text, m, region_start, clause_end, when))
        region_start = clause_end
    taken = [(c.span.start, c.span.end) for c in out]
    out += [
        c
        for c in _present_commitments(text, start, end, triggers, when)
        if not any(a <= c.span.start < b or c.span.start <= a < c.span.end for a, b in taken)
    ]
    return sorted(out, key=lambda c: c.span.start)


def _present_commitments(
    text: str, start: int, end: int, triggers: list[re.Match[str]], when: _When
) -> list[Commitment]:
    """ "A replacement that ships tomorrow": a thing in the present tense with its own deadline."""
    out: list[Commitment] = []
    for m in pp.PRESENT_FUTURE.finditer(text, start, end):
        before = pp.local_context(text, start, m.start())
        if pp.HEDGE.search(before) or pp.REFUSAL.search(before) or pp.CONDITION.search(before):
            continue
        limit = min([t.start() for t in triggers if t.start() > m.end()] + [end])
        stop = re.search(r"[,;:]|\s+(?:and|but|so|because|if|unless)\b", text[m.end() : limit])
        clause_end = pp.trim_end(text, m.end() + stop.start() if stop else limit, m.end())
        due = find_due(text[m.end() : clause_end], when.now, when.tz, when.rules)
        if due is None:
            continue
        thing = " ".join((m.group("thing") or m.group("pronoun") or m.group("pronoun2")).split())
        thing = thing.lower()
        verb = " ".join(m.group("verb").split()).lower()
        future = _FUTURE.get(verb) or re.sub(r"^is\s+(?:being\s+)?", "be ", verb)
        action = f"{thing} will {future}"
        out.append(
            Commitment(
                action=action,
                due=due.due,
                owner="team",
                span=Span(m.start(), clause_end, text[m.start() : clause_end], "promise"),
            )
        )
    return out


_FUTURE = {
    "ships": "ship",
    "arrives": "arrive",
    "goes out": "go out",
    "leaves": "leave",
    "lands": "land",
    "gets to you": "get to you",
    "visits": "visit",
    "comes": "come",
}


def _clause_commitments(
    text: str, m: re.Match[str], region_start: int, clause_end: int, when: _When
) -> list[Commitment]:
    """One promise per clause, or one per joined action when each has its own deadline."""
    parts: list[tuple[int, int, int]] = []  # (where its deadline may start, action start, end)
    region, action = region_start, m.start("verb")
    joins = list(pp.AND_VERB.finditer(text, m.end("verb"), clause_end))
    for i, join in enumerate(joins):
        after = joins[i + 1].start() if i + 1 < len(joins) else clause_end
        if _has_due(text, region, join.start(), when) and _has_due(text, join.end(), after, when):
            parts.append((region, action, join.start()))
            region = action = join.end()
    parts.append((region, action, clause_end))
    return [_commitment(text, m, *part, when) for part in parts]


def _is_promise(text: str, sentence_start: int, m: re.Match[str]) -> bool:
    verb = m.group("verb").lower()
    subject = m.group("subject").lower()
    if subject == "you":
        if verb not in pp.YOU_VERBS:
            return False
    elif verb in pp.NOT_ACTIONS or (verb == "take" and not pp.owner_is_person(m)):
        return False
    if verb == "be" and not pp.BE_ACTION.match(text, m.end("verb")):
        return False
    if verb == "have" and (
        pp.NOT_AFTER_HAVE.match(text, m.end("verb")) or not pp.WORD_NEXT.match(text, m.end("verb"))
    ):
        return False
    if m.group("modal").strip().lower() == "should" and (pp.owner_is_person(m) or verb == "have"):
        return False
    before = pp.local_context(text, sentence_start, m.start())
    return pp.REFUSAL.search(before) is None and pp.HEDGE.search(before) is None


def _clause_end(text: str, m: re.Match[str], limit: int) -> int:
    stop = pp.CLAUSE_STOP.search(text, m.end("verb"), limit)
    return pp.trim_end(text, stop.start() if stop else limit, m.end("verb"))


def _has_due(text: str, start: int, end: int, when: _When) -> bool:
    return find_due(text[start:end], when.now, when.tz, when.rules) is not None


def _commitment(
    text: str, m: re.Match[str], region_start: int, action_start: int, end: int, when: _When
) -> Commitment:
    # A deadline inside the action's own words wins over one earlier in the region ("... ships
    # tomorrow, you will get tracking tonight": tracking is due tonight).
    due = find_due(text[action_start:end], when.now, when.tz, when.rules)
    if due is not None:
        region_start = action_start
    else:
        due = find_due(text[region_start:end], when.now, when.tz, when.rules)
    action = text[action_start:end]
    if due is not None:
        lo, hi = due.start + region_start - action_start, due.end + region_start - action_start
        if 0 <= lo and hi <= len(action):
            action = action[:lo] + " " + action[hi:]
    first = action_start == m.start("verb")
    span_start = m.start() if first else action_start
    if due is not None:
        span_start = min(span_start, region_start + due.start)
    return Commitment(
        action=pp.tidy_action(action, None if pp.owner_is_person(m) else m.group("subject")),
        due=due.due if due else None,
        owner=pp.owner_of(m),
        span=Span(span_start, end, text[span_start:end], "promise"),
    )
