"""P2 looks for the customer's concern where they stated it, and rests when they are satisfied."""

from __future__ import annotations

import pytest

from calmdesk.analysis.reply import review_draft
from calmdesk.domain import CheckStatus, Role, Turn, TurnAnalysis

COMPLAINT = "My refund for the blender I returned three weeks ago still has not arrived."
ASKED = "I'm sorry about that. Shall I chase the refund with our payments team today?"


def _p2(draft: str, *said: tuple[Role, str]) -> CheckStatus:
    history = [Turn(role, text) for role, text in said]
    review = review_draft(draft, history, [TurnAnalysis(t.role, None) for t in history])
    return next(c.status for c in review.checks if c.check == "P2")


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (
            "Done: your blender refund from three weeks ago still had not come through, so I've "
            "asked payments to release it today.",
            "pass",
        ),
        ("Done, I have sorted that out for you now.", "fail"),
        # naming the topic is not saying back what went wrong (the labelled replies' convention)
        pytest.param(
            "Done: I've asked payments to release the refund for your blender today.",
            "fail",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known regression of the multilingual encoder's reply heads (issue 8 "
                "item 6): reflection 0.503 against 0.47 with all-MiniLM-L6-v2, just over P2's "
                "0.5; see docs/models.md",
            ),
        ),
    ],
)
def test_reflects_concern_reads_the_earlier_complaint_after_a_short_answer(
    draft: str, expected: str
) -> None:
    status = _p2(
        draft, (Role.CUSTOMER, COMPLAINT), (Role.AGENT, ASKED), (Role.CUSTOMER, "Yes please.")
    )
    assert status.value == expected


@pytest.mark.parametrize(
    "closing",
    ["Perfect, thanks for sorting it so quickly.", "It worked! Finally. Thanks.", "That's all."],
)
def test_reflects_concern_is_not_needed_once_the_customer_is_satisfied(closing: str) -> None:
    status = _p2(
        "Glad to hear it, have a lovely evening.",
        (Role.CUSTOMER, COMPLAINT),
        (Role.AGENT, ASKED),
        (Role.CUSTOMER, closing),
    )
    assert status is CheckStatus.NOT_NEEDED


def test_reflects_concern_still_applies_to_a_sarcastic_thank_you() -> None:
    status = _p2(
        "Have a lovely evening.",
        (Role.CUSTOMER, COMPLAINT),
        (Role.AGENT, ASKED),
        (Role.CUSTOMER, "Great, thanks a lot, another week without my refund."),
    )
    assert status is CheckStatus.FAIL
