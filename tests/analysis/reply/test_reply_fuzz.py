"""Any text in, a well-formed review out: score range, and spans that point into the draft."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calmdesk.analysis.reply import review_draft
from calmdesk.domain import CalmdeskError, Role, Turn, TurnAnalysis

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=400,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draft=TEXT, customer=TEXT)
def test_review_of_any_text_is_well_formed(draft: str, customer: str) -> None:
    history = [Turn(Role.CUSTOMER, customer)]
    try:
        review = review_draft(draft, history, [TurnAnalysis(Role.CUSTOMER, None)])
    except CalmdeskError:
        assert not draft.strip()
        return
    assert 0 <= review.score <= 100
    assert len(review.checks) == 13
    for check in review.checks:
        for span in check.evidence:
            assert draft[span.start : span.end] == span.text
    for problem in review.tone_problems:
        assert draft[problem.span.start : problem.span.end] == problem.span.text
