"""A promise whose due time has already passed when it is typed is flagged before sending."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from reply_personas import ANGRY_LATE, MILD_BILLING, Customer

from calmdesk.analysis.promises.commitments import extract_commitments
from calmdesk.analysis.reply import default_playbook, review_draft
from calmdesk.domain import CheckStatus, Severity

AT_1731 = datetime(2026, 12, 1, 17, 31, tzinfo=UTC)  # a Tuesday
AT_1600 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def p10(draft: str, now: datetime, customer: Customer = ANGRY_LATE, config=None):
    pairs = [customer.turn()]
    result = review_draft(
        draft, [t for t, _ in pairs], [a for _, a in pairs], now=now, config=config
    )
    return next(c for c in result.checks if c.check == "P10")


@pytest.mark.parametrize(
    ("draft", "promised"),
    [
        ("I'll email you the returns label by 5pm today.", "17:00"),
        ("I will call you back at 9am today with an update.", "09:00"),
        ("We will ring you this morning to rebook the delivery.", "09:00"),
    ],
)
def test_a_promise_already_past_when_typed_fails_with_a_clear_message(
    draft: str, promised: str
) -> None:
    check = p10(draft, AT_1731)
    assert check.status is CheckStatus.FAIL and check.severity is Severity.HIGH
    assert check.fix == (
        f"The time you promise ({promised}) has already passed: it is 17:31 now. "
        "Give a time that is still ahead, e.g. 'by 10am tomorrow'."
    )
    assert check.evidence and all(e.text in draft for e in check.evidence)


def test_the_same_promise_written_in_time_passes() -> None:
    assert p10("I'll email you the returns label by 5pm today.", AT_1600).status is CheckStatus.PASS


def test_a_past_promise_is_flagged_even_when_no_timeline_is_needed() -> None:
    check = p10(
        "I have refunded the charge; you'll get the receipt by noon today.", AT_1731, MILD_BILLING
    )
    assert check.status is CheckStatus.FAIL


def test_the_message_uses_the_team_time_zone() -> None:
    import dataclasses

    berlin = dataclasses.replace(default_playbook(), timezone="Europe/Berlin")
    check = p10(
        "I'll email you the label by 5pm today.",
        datetime(2026, 12, 1, 16, 45, tzinfo=UTC),
        config=berlin,
    )
    assert "(17:00)" in check.fix and "it is 17:45 now" in check.fix


def test_a_part_of_the_day_that_is_over_is_not_moved_to_midnight() -> None:
    (late,) = extract_commitments("I will call you back this morning.", AT_1731)
    assert late.due == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    (early,) = extract_commitments("I will call you back this afternoon.", AT_1600)
    assert early.due is not None and early.due > AT_1600
