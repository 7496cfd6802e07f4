"""review_draft and agent_signals: score, signals, company settings, and bad input."""

from __future__ import annotations

import pytest
from reply_personas import ABUSIVE, ANGRY_LATE, CALM_QUESTION, MILD_BILLING, status

from calmdesk.analysis.reply import CheckSetting, Playbook, agent_signals, review_draft
from calmdesk.domain import (
    AgentSignals,
    CheckStatus,
    EmptyInput,
    InputTooLarge,
    MalformedInput,
    Role,
    Turn,
    TurnAnalysis,
)

GOOD_LATE = (
    "I'm so sorry order 48213 still hasn't arrived after Monday - I can see why a second late "
    "delivery is frustrating. I've asked the courier to trace it and I'll email you by 3pm "
    "tomorrow; if it has not turned up by then I'll reship it by express or refund you, whichever "
    "you prefer. Does that work for you?"
)


def test_review_scores_a_good_reply_full_and_a_hostile_one_low(review) -> None:
    good = review(GOOD_LATE, ANGRY_LATE)
    bad = review("Calm down!!! It's NOT OUR FAULT, you should have ordered earlier.", ANGRY_LATE)
    assert good.score == 100, [c for c in good.checks if c.status is CheckStatus.FAIL]
    assert bad.score < 20
    assert {c.check for c in bad.failing()} >= {"P4", "P5", "P7", "P9"}


def test_review_reports_the_draft_signals(review) -> None:
    result = review(GOOD_LATE, ANGRY_LATE)
    assert result.empathy >= 0.7 and result.apology == 1.0
    assert result.asks_question == 1.0 and result.offers_solution >= 0.9
    assert result.politeness == 0.8  # the caller's (model's) politeness is kept
    plain = review("The parcel is in transit.", CALM_QUESTION)
    assert max(plain.empathy, plain.apology, plain.asks_question) < 0.2  # scores, not flags


def test_review_score_counts_only_checks_that_apply() -> None:
    history = [Turn(Role.CUSTOMER, "Thanks, that was all I needed.")]
    result = review_draft(
        "You're welcome, have a lovely day.", history, [TurnAnalysis(Role.CUSTOMER, None)]
    )
    applied = [c for c in result.checks if c.status is not CheckStatus.NOT_NEEDED]
    assert {c.check for c in applied} == {"P4", "P5", "P11"}
    assert result.score == 100


def test_review_skips_disabled_checks_and_weights_the_rest(review) -> None:
    config = Playbook(
        checks={
            "no_blame": CheckSetting(enabled=False),
            "calm_professional": CheckSetting(weight=3.0),
        }
    )
    result = review("Calm down, it's not our fault.", MILD_BILLING, config=config)
    assert "P5" not in {c.check for c in result.checks}
    assert status(result, "P4") is CheckStatus.FAIL


def test_review_company_phrases_supply_and_banned_phrases_fail(review) -> None:
    config = Playbook(
        checks={
            "checks_need": CheckSetting(phrases=("happy with that",)),
            "no_blame": CheckSetting(banned=("per our policy",)),
        }
    )
    result = review(
        "I've refunded the second charge, per our policy. Happy with that?",
        MILD_BILLING,
        config=config,
    )
    assert status(result, "P12") is CheckStatus.PASS
    assert status(result, "P5") is CheckStatus.FAIL


def test_review_falls_back_to_word_cues_without_signals() -> None:
    history = [Turn(Role.CUSTOMER, "You useless morons charged me twice AGAIN!!")]
    result = review_draft(
        "Whatever. Not my problem, moron.", history, [TurnAnalysis(Role.CUSTOMER, None)]
    )
    assert status(result, "P13") is CheckStatus.FAIL
    assert "mirroring" in {p.kind for p in result.tone_problems}


def test_review_reads_hostile_html_as_plain_text(review) -> None:
    draft = "<script>alert('x')</script> I'm sorry <b>your</b> order is late."
    result = review(draft, ANGRY_LATE)
    spans = [s for c in result.checks for s in c.evidence]
    assert all(draft[s.start : s.end] == s.text for s in spans)


@pytest.mark.parametrize(
    ("draft", "error"),
    [
        ("", EmptyInput),
        ("   \n", EmptyInput),
        (None, MalformedInput),
        (b"bytes", MalformedInput),
        ("a\x00b", MalformedInput),
        ("x" * 20_001, InputTooLarge),
    ],
)
def test_review_rejects_bad_drafts_with_clear_errors(draft, error) -> None:
    with pytest.raises(error):
        review_draft(draft, [], [])


@pytest.mark.parametrize("history", ["a string", [1, 2], None])
def test_review_rejects_a_history_that_is_not_turns(history) -> None:
    with pytest.raises(MalformedInput, match="history"):
        review_draft("Hello", history, [])


def test_agent_signals_wraps_the_review(review) -> None:
    turn, analysis = ABUSIVE.turn()
    signals = agent_signals(
        "I won't accept insults, but I will fix the charge today.",
        [turn],
        [analysis],
        politeness=0.6,
    )
    assert isinstance(signals, AgentSignals) and signals.review is not None
    assert signals.politeness == 0.6 and signals.offers_solution >= 0.5
    assert status(signals.review, "P13") is CheckStatus.PASS


def test_review_follows_each_playbook_when_they_alternate(review) -> None:
    """The checks a playbook enables, its weights and phrases are worked out once per playbook;
    reviews under different playbooks, one after another, each follow their own."""
    draft = "I've refunded the second charge, per our policy. Happy with that?"
    strict = Playbook(checks={"no_blame": CheckSetting(banned=("per our policy",))})
    lenient = Playbook(checks={"no_blame": CheckSetting(enabled=False)})
    same_as_strict = Playbook(checks={"no_blame": CheckSetting(banned=("per our policy",))})
    for _ in range(2):
        assert status(review(draft, MILD_BILLING, config=strict), "P5") is CheckStatus.FAIL
        without = review(draft, MILD_BILLING, config=lenient)
        assert "P5" not in {c.check for c in without.checks}
        assert status(review(draft, MILD_BILLING, config=same_as_strict), "P5") is (
            CheckStatus.FAIL
        )
        plain = review(draft, MILD_BILLING)
        assert status(plain, "P5") is not CheckStatus.FAIL
    heavy = Playbook(checks={"calm_professional": CheckSetting(weight=50.0)})
    hostile = "Calm down, it's not our fault."
    assert review(hostile, MILD_BILLING, config=heavy).score < review(hostile, MILD_BILLING).score
