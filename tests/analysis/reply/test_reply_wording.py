"""Coaching a person reads: no internal names, each piece of evidence once (issue 11 polish)."""

from __future__ import annotations

import re

import pytest
from reply_personas import ABUSIVE, ANGRY_LATE

from calmdesk.analysis.reply.wording import join_words, merge_spans, tone_findings, tone_words
from calmdesk.domain import CheckStatus, Span, ToneProblem

_INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.mark.parametrize(
    "draft",
    [
        "CALM DOWN. You should have read the terms!!!",
        "Calm down, there is NO NEED to SHOUT at me!!",
        "Oh great, another genius who can't read. Calm down.",
    ],
)
def test_coaching_never_shows_internal_names_or_repeated_evidence(review, draft: str) -> None:
    result = review(draft, ANGRY_LATE, ABUSIVE)
    failed = [c for c in result.checks if c.status is CheckStatus.FAIL]
    assert failed
    for check in failed:
        assert check.fix and not _INTERNAL.search(check.fix), check.fix
        ends = [s.end for s in check.evidence]
        starts = [s.start for s in check.evidence]
        assert all(e <= s for e, s in zip(ends, starts[1:], strict=False)), check.check
        assert all(s.text == draft[s.start : s.end] for s in check.evidence)


def test_calm_down_in_capitals_is_one_piece_of_evidence_in_words(review) -> None:
    result = review("CALM DOWN. You should have read the terms!!!", ANGRY_LATE)
    p4 = next(c for c in result.checks if c.check == "P4")
    assert [s.text for s in p4.evidence] == ["CALM DOWN", "!!!"]
    assert p4.fix == (
        "Rewrite in a neutral tone, without the capitals, 'calm down' and repeated "
        "exclamation marks."
    )
    assert tone_findings(result.tone_problems) == [
        ("CALM DOWN", "capitals and 'calm down'"),
        ("!!!", "repeated exclamation marks"),
    ]


def test_merge_spans_joins_overlaps_and_keeps_apart_what_is_apart() -> None:
    text = "CALM DOWN now, CALM"
    calm, down, both = Span(0, 4, "CALM"), Span(5, 9, "DOWN"), Span(0, 9, "CALM DOWN", "calm_down")
    later = Span(15, 19, "CALM")
    assert merge_spans([calm, both, down, later]) == (both, later)
    partial = merge_spans([Span(0, 6, "CALM D"), Span(5, 13, "DOWN now")])
    assert [(s.start, s.end, s.text) for s in partial] == [(0, 13, text[:13])]
    assert merge_spans([calm], [calm]) == (calm,)
    assert merge_spans() == ()


def test_tone_words_and_join_words_read_as_plain_english() -> None:
    assert tone_words("calm_down") == "'calm down'"
    assert tone_words("shouting") == "capitals"
    assert tone_words("some_new_kind") == "some new kind"
    assert join_words([]) == ""
    assert join_words(["capitals"]) == "capitals"
    assert join_words(["a", "b", "a", "c"]) == "a, b and c"
    found = [
        ToneProblem("shouting", Span(0, 4, "CALM")),
        ToneProblem("sarcasm", Span(9, 14, "Great")),
    ]
    assert tone_findings(found) == [("CALM", "capitals"), ("Great", "sarcasm")]


def _p2(draft: str, customer: str) -> tuple[str, list[str]]:
    from calmdesk.analysis.reply import default_playbook
    from calmdesk.analysis.reply.checks.listen import reflects_concern
    from calmdesk.analysis.reply.context import ReviewContext, customer_state, draft_hits
    from calmdesk.domain import Role, Turn, TurnAnalysis

    turn = Turn(Role.CUSTOMER, customer)
    state = customer_state([turn], [TurnAnalysis(Role.CUSTOMER, None)])
    ctx = ReviewContext(
        draft, state, default_playbook(), draft_hits(draft), scores={"reflection": 0.0}
    )
    out = reflects_concern(ctx)
    assert out.status is CheckStatus.FAIL
    return out.fix or "", [s.text.lower() for s in out.evidence]


def test_p2_never_asks_for_words_the_draft_already_says() -> None:
    customer = "My gift card code was refused at checkout and I am furious, it was a present!"
    fix, said = _p2("Gift card code, checkout. Sorry. I will look into it.", customer)
    assert said and not any(word in fix.lower() for word in said), fix
    fix, said = _p2("Gift card code refused at checkout, present. Sorry.", customer)
    assert fix == "Say back in one sentence what went wrong for them, before what you will do."
    fix, said = _p2("Sorry about that, I will look into it.", customer)
    assert fix.startswith("Say back what went wrong in the customer's own terms (for example:")
