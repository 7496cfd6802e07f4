"""Promises in an agent's reply (playbook A2): what will be done, by whom, and by when.

A promise is a clause whose subject commits to a future action: "I'll send a replacement by
Friday", "your refund will arrive within 5 business days", "someone from billing will email you by
end of day". Offers ("I can ..."), questions, past tense, hedges ("hopefully", "I think") and
refusals ("we cannot promise ...") are not promises. The deadline is resolved by `due_dates`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from calmdesk.analysis import promise_patterns as pp
from calmdesk.analysis.due_dates import DueRules, find_due, parse_business_days
from calmdesk.domain.errors import EmptyInput, InputTooLarge, MalformedInput
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
    rules = _rules_for(business_days, rules)
    found: list[Commitment] = []
    for start, end in _sentences(text):
        found.extend(_sentence_commitments(text, start, end, now, tz, rules))
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


def _sentence_commitments(
    text: str, start: int, end: int, now: datetime, tz: str | ZoneInfo, rules: DueRules
) -> list[Commitment]:
    sentence = text[start:end].rstrip()
    if sentence.endswith("?") or pp.QUESTION_OPENING.match(sentence.lstrip()):
        return []
    triggers = [m for m in pp.TRIGGER.finditer(text, start, end) if _is_promise(text, start, m)]
    out: list[Commitment] = []
    region_start = start
    for i, m in enumerate(triggers):
        clause_end = _clause_end(text, m, triggers[i + 1].start() if i + 1 < len(triggers) else end)
        out.append(_commitment(text, m, region_start, clause_end, now, tz, rules))
        region_start = clause_end
    return out


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
    if m.group("modal").strip().lower() == "should" and pp.owner_is_person(m):
        return False
    before = pp.local_context(text, sentence_start, m.start())
    return pp.REFUSAL.search(before) is None and pp.HEDGE.search(before) is None


def _clause_end(text: str, m: re.Match[str], limit: int) -> int:
    stop = pp.CLAUSE_STOP.search(text, m.end("verb"), limit)
    return pp.trim_end(text, stop.start() if stop else limit, m.end("verb"))


def _commitment(
    text: str,
    m: re.Match[str],
    region_start: int,
    clause_end: int,
    now: datetime,
    tz: str | ZoneInfo,
    rules: DueRules,
) -> Commitment:
    if pp.CONDITION.search(text, region_start, m.start()):
        region_start = m.start()  # a deadline inside "if ... by Friday" is the condition's
    due = find_due(text[region_start:clause_end], now, tz, rules)
    action_start = m.start("verb") if pp.owner_is_person(m) else m.start("subject")
    action = text[action_start:clause_end]
    if due is not None:
        lo, hi = due.start + region_start - action_start, due.end + region_start - action_start
        if 0 <= lo and hi <= len(action):
            action = action[:lo] + " " + action[hi:]
    span_start = min(m.start(), region_start + due.start) if due else m.start()
    return Commitment(
        action=pp.tidy_action(action, m),
        due=due.due if due else None,
        owner=pp.owner_of(m),
        span=Span(span_start, clause_end, text[span_start:clause_end], "promise"),
    )
