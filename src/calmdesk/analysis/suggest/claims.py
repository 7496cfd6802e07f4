"""A suggested reply never claims an action nobody took.

The composer's building blocks and a team's knowledge base may say "I have passed your case to a
supervisor" or "I have asked our billing team to check the charge". Sent as written, each is a
claim about the case. A suggestion keeps such a claim only for what the caller says was in fact
done (`done`: "handed_over" when the case was escalated or handed to someone); every other one
is turned into an offer ("I can pass your case to a supervisor, ..."), which the agent may make
and then keep.
"""

from __future__ import annotations

import re
from collections.abc import Collection

__all__ = ["DONE_KINDS", "HANDED_OVER", "as_offers", "claims"]

HANDED_OVER = "handed_over"
DONE_KINDS = frozenset({HANDED_OVER})
"""What a caller may say was done on the case before the suggestion."""

# past participle -> the verb an offer uses; the kind of action it claims
_VERBS: dict[str, tuple[str, str]] = {
    "passed": ("pass", HANDED_OVER),
    "handed": ("hand", HANDED_OVER),
    "escalated": ("escalate", HANDED_OVER),
    "transferred": ("transfer", HANDED_OVER),
    "referred": ("refer", HANDED_OVER),
    "forwarded": ("forward", HANDED_OVER),
    "asked": ("ask", "asked"),
    "opened": ("open", "opened"),
    "logged": ("log", "opened"),
    "raised": ("raise", "opened"),
    "created": ("create", "opened"),
    "filed": ("file", "opened"),
    "reported": ("report", "opened"),
    "sent": ("send", "sent"),
    "dispatched": ("dispatch", "sent"),
    "ordered": ("order", "sent"),
    "booked": ("book", "booked"),
    "arranged": ("arrange", "booked"),
    "scheduled": ("schedule", "booked"),
    "refunded": ("refund", "refunded"),
    "issued": ("issue", "refunded"),
    "credited": ("credit", "refunded"),
    "reversed": ("reverse", "refunded"),
    "cancelled": ("cancel", "cancelled"),
    "canceled": ("cancel", "cancelled"),
    "waived": ("waive", "refunded"),
    "removed": ("remove", "refunded"),
    "applied": ("apply", "refunded"),
    "added": ("add", "noted"),
    "noted": ("note", "noted"),
    "flagged": ("flag", "noted"),
    "contacted": ("contact", "asked"),
    "chased": ("chase", "asked"),
    "reset": ("reset", "fixed"),
    "fixed": ("fix", "fixed"),
    "unlocked": ("unlock", "fixed"),
    "started": ("start", "opened"),
}
_CLAIM = re.compile(
    r"\b(?P<who>I|[Ww]e)(?: have|'ve)(?P<adv> (?:just|already|now|also))? (?P<verb>[a-z]+)\b"
)


def claims(text: str) -> list[str]:
    """The kinds of action `text` claims were done ("I have passed ..." -> handed_over)."""
    return [_VERBS[m.group("verb")][1] for m in _CLAIM.finditer(text) if m.group("verb") in _VERBS]


def as_offers(text: str, done: Collection[str] = ()) -> str:
    """`text` with every claim of an action not in `done` said as an offer ("I can ...")."""

    def offer(m: re.Match[str]) -> str:
        verb = m.group("verb")
        if verb not in _VERBS or _VERBS[verb][1] in done:
            return m.group(0)
        return f"{m.group('who')} can {_VERBS[verb][0]}"

    return _CLAIM.sub(offer, text)
