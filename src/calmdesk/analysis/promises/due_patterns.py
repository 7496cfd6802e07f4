"""The regular expressions behind `due_dates`: durations, days and times of day in English."""

from __future__ import annotations

import re
from datetime import time

from calmdesk.analysis.promises.rules import DueRules

__all__ = [
    "DAY",
    "DURATION",
    "HAS_PREP",
    "JOIN",
    "TIME_AFTER",
    "TIME_ALONE",
    "TIME_BEFORE",
    "clock_of",
    "number",
    "part_clock",
]

_F = re.IGNORECASE

_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "thirty": 30,
    "twenty-four": 24,
    "forty-eight": 48,
    "seventy-two": 72,
    "a couple of": 2,
    "a few": 3,
}
_NUM = r"\d{1,3}|" + "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_NUMBERS, key=len, reverse=True)
)
_DEADLINE_PREP = (
    r"(?:no\s+later\s+than|at\s+the\s+latest\s+by|latest\s+by|by|before|until|till|on|for|"
    r"sometime|some\s+time|early|late|later)"
)

DURATION = re.compile(
    r"\b(?P<prep>within|in|over|inside(?:\s+of)?|takes?|up\s+to)\s+(?:the\s+)?(?:next\s+)?"
    rf"(?:(?P<n>{_NUM})(?:\s*(?:-|to|–|or)\s*(?P<hi>{_NUM}))?\s*"
    r"(?P<biz>business|working)?\s*(?P<unit>hours?|hrs?|h|minutes?|mins?|days?|weeks?)\b"
    r"|(?P<hour_only>hour)\b)",
    _F,
)
HOUR_UNITS = frozenset({"hour", "hours", "hr", "hrs", "h"})

_WEEKDAY = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTH = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
DAY = re.compile(
    rf"\b(?:{_DEADLINE_PREP}\s+)?(?:the\s+)?(?:"
    r"(?P<eod>end\s+of\s+(?:the\s+)?(?:business\s+|working\s+)?(?:day|today)|close\s+of\s+"
    r"(?:business|play)|end\s+of\s+business|eod|cob)"
    r"|(?P<week>(?:end\s+of\s+(?:the\s+)?)?(?:(?P<week_next>next)|this|the)\s+week)"
    r"|(?P<month>end\s+of\s+(?:the\s+|this\s+)?(?:(?P<month_next>next)\s+)?month)"
    r"|(?:later\s+)?this\s+(?P<part>morning|afternoon|evening)"
    r"|(?P<tonight>(?:later\s+)?tonight)"
    r"|(?P<today>(?:later\s+)?today)"
    r"|(?P<dat>day\s+after\s+tomorrow)"
    r"|(?P<tomorrow>tomorrow)"
    r"|(?P<nbd>next\s+(?:business|working)\s+day)"
    rf"|(?:(?P<next>next)\s+|this\s+(?:coming\s+)?|coming\s+)?(?P<weekday>{_WEEKDAY})"
    rf"|(?P<explicit>{_ORD}\s+(?:of\s+)?(?:{_MONTH})(?:,?\s+\d{{4}})?"
    rf"|(?:{_MONTH})\.?\s+{_ORD}(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}})"
    r")\b",
    _F,
)

_CLOCK = (
    r"(?:(?P<h>\d{1,2})(?::(?P<min>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)(?![a-z])"
    r"|(?P<h24>\d{1,2}):(?P<min24>\d{2})"
    r"|(?P<word>noon|midday|midnight|lunchtime|lunch|morning|afternoon|evening|night|"
    r"close\s+of\s+business|end\s+of\s+(?:the\s+)?day|eod|cob))"
)
TIME_AFTER = re.compile(
    r"\s*,?\s*(?:(?:at|by|before|around|in\s+the|during\s+the|no\s+later\s+than)\s+)?"
    + _CLOCK
    + r"\b",
    _F,
)
TIME_BEFORE = re.compile(
    r"(?:(?:at|by|before|around)\s+)?"
    r"(?:" + _CLOCK + r"\s+(?:on\s+)?|(?P<firstonly>first\s+thing)\s+(?:on\s+)?)$",
    _F,
)
TIME_ALONE = re.compile(
    r"\b(?:at|by|before|until|around|no\s+later\s+than)\s+(?:the\s+)?" + _CLOCK + r"\b",
    _F,
)
JOIN = re.compile(r"\s*(?:,\s*)?(?:on\s+)?", _F)
HAS_PREP = re.compile(rf"(?:{_DEADLINE_PREP}|within|in|at|around|first\s+thing)\b", _F)


def number(word: str | None) -> int:
    """The value of a count written in digits or (a few) words."""
    if word is None:
        return 1
    key = re.sub(r"\s+", " ", word.strip().lower())
    return int(key) if key.isdigit() else _NUMBERS.get(key, 1)


def part_clock(part: str, rules: DueRules) -> time:
    """The local time that a part of the day stands for."""
    key = part.lower()
    if key.startswith(("close", "end", "eod", "cob")):
        return rules.end_of_day
    table = {
        "morning": rules.morning,
        "noon": rules.noon,
        "midday": rules.noon,
        "lunchtime": rules.noon,
        "lunch": rules.noon,
        "afternoon": rules.afternoon,
        "evening": rules.evening,
        "night": rules.tonight,
        "midnight": time(23, 59),
    }
    return table.get(key, rules.end_of_day)


def clock_of(m: re.Match[str], rules: DueRules) -> time | None:
    """The time of day in a match of one of the time patterns, or None when it is not a time."""
    groups = m.groupdict()
    if groups.get("firstonly") is not None and groups.get("word") is None and not groups.get("h"):
        return rules.morning
    if groups.get("word"):
        return part_clock(groups["word"], rules)
    if groups.get("h24"):
        hour, minute = int(groups["h24"]), int(groups["min24"])
    elif groups.get("h"):
        hour, minute = int(groups["h"]), int(groups["min"] or 0)
        pm = groups["ampm"].lower().startswith("p")
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if pm else 0)
    else:
        return None
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
