"""The QA rubric on hand-made conversations: customer signals set by hand, replies reviewed by
the real playbook checks."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from tests.analysis.qa.qa_chats import (
    EXCUSE,
    FIXED,
    LATE,
    T0,
    THANKS,
    Chat,
    abandoned,
    feels,
    recovered,
    said,
)

from calmdesk.analysis.qa import (
    CONVERSATION_WEIGHTS,
    ConversationFacts,
    CriterionStatus,
    PromiseFact,
    Scorecard,
    criteria,
    criterion_names,
    score_conversation,
)
from calmdesk.analysis.reply import default_playbook, parse_playbook
from calmdesk.domain import ConfigError, MalformedInput, MentionKind

PASS, FAIL, NA = CriterionStatus.PASS, CriterionStatus.FAIL, CriterionStatus.NOT_APPLICABLE
CHECKED_IN = Path(__file__).with_name("criteria.txt")


def score(chat: Chat, facts: ConversationFacts | None = None, **kw: object) -> Scorecard:
    conversation, analysis = chat.build()
    return score_conversation(conversation, analysis, facts=facts, **kw)  # type: ignore[arg-type]


def status(card: Scorecard, name: str) -> CriterionStatus:
    return card.criterion(name).status


def test_qa_criteria_registry_matches_the_checked_in_list() -> None:
    assert criterion_names() == CHECKED_IN.read_text().split()


def test_qa_every_conversation_criterion_has_a_default_weight() -> None:
    assert [spec.name for spec in criteria()] == list(CONVERSATION_WEIGHTS)


def test_qa_recovered_customer_scores_higher_than_an_abandoned_one() -> None:
    good, bad = score(recovered()), score(abandoned())
    assert good.score > bad.score + 30
    assert status(good, "de_escalation") is PASS and status(bad, "de_escalation") is FAIL
    assert status(good, "resolution") is PASS and status(bad, "resolution") is FAIL
    assert status(bad, "no_blame") is FAIL
    blame = bad.criterion("no_blame").evidence[0]
    assert blame.turn == 1 and blame.span is not None
    assert blame.span.text.lower() in EXCUSE.lower()


def test_qa_de_escalation_evidence_names_the_start_and_end_turns() -> None:
    card = score(recovered())
    start, end = card.criterion("de_escalation").evidence
    assert (start.turn, end.turn) == (0, 2)
    assert card.outcome["upset_start"] == 0.9 and card.outcome["upset_end"] == 0.05
    assert card.outcome["recovered"] is True


def test_qa_de_escalation_does_not_apply_to_a_calm_customer() -> None:
    chat = Chat().customer("Hi, what are your opening hours?", feels(0.1)).agent("We open at 9am.")
    card = score(chat)
    assert status(card, "de_escalation") is NA
    assert card.outcome["recovered"] is None


def test_qa_a_last_turn_asking_for_a_manager_is_not_calm() -> None:
    chat = recovered()
    chat.customer(
        "Actually no. Get me your manager.",
        feels(0.2, requests=(said(MentionKind.SUPERVISOR, "Get me your manager"),)),
    )
    card = score(chat)
    assert status(card, "de_escalation") is FAIL
    assert status(card, "escalation_handled") is FAIL


def test_qa_closing_turn_is_judged_on_tone_only() -> None:
    card = score(recovered())
    closing = next(t for t in card.agent_turns if t.index == 3)
    assert closing.failed == () and closing.score == 100
    assert status(card, "apologises") is PASS


def test_qa_a_broken_promise_fails_a2() -> None:
    due = T0 + timedelta(days=1)
    late = PromiseFact("send a replacement", due, done_at=due + timedelta(hours=5),
                       customer_told=True, turn=1)  # fmt: skip
    card = score(recovered(), ConversationFacts(status="resolved", promises=(late,)))
    assert status(card, "promises_kept") is FAIL
    assert "late" in card.criterion("promises_kept").evidence[0].note
    assert card.outcome["promises_made"] == 1 and card.outcome["promises_kept_on_time"] == 0


@pytest.mark.parametrize(
    ("done_after_h", "told", "as_of_h", "expected"),
    [
        (5, True, None, PASS),  # kept on time, customer told
        (5, False, None, FAIL),  # kept, never told (A2 says tell them)
        (None, False, 48, FAIL),  # overdue
        (None, False, 2, NA),  # not yet due
    ],
)
def test_qa_promises_kept_on_time_and_told(
    done_after_h: int | None, told: bool, as_of_h: int | None, expected: CriterionStatus
) -> None:
    due = T0 + timedelta(days=1)
    done = T0 + timedelta(hours=done_after_h) if done_after_h is not None else None
    as_of = T0 + timedelta(hours=as_of_h) if as_of_h is not None else None
    promise = PromiseFact("refund", due, done_at=done, customer_told=told, turn=1)
    facts = ConversationFacts(status="resolved", promises=(promise,), as_of=as_of)
    assert status(score(recovered(), facts), "promises_kept") is expected


def test_qa_promise_read_from_the_reply_breaks_when_the_customer_complains_after_the_due() -> None:
    chat = (
        Chat("late-again")
        .customer(LATE, feels(0.8, complaint=0.9))
        .agent(FIXED)
        .customer("It still has not arrived!", feels(0.8, complaint=0.9), minutes=60 * 30)
    )
    card = score(chat)
    assert card.outcome["promises_made"] >= 1
    assert status(card, "promises_kept") is FAIL
    assert card.criterion("promises_kept").evidence[0].turn == 2


def test_qa_bot_turns_are_scored_as_the_bots_never_as_an_agents() -> None:
    chat = (
        Chat("bot")
        .customer(LATE, feels(0.8, complaint=0.9))
        .bot(EXCUSE)
        .agent(FIXED)
        .customer(THANKS, feels(0.05, satisfaction=0.8))
    )
    card = score(chat)
    assert [t.index for t in card.agent_turns] == [2]
    assert [t.index for t in card.bot_turns] == [1]
    assert "no_blame" in card.bot_turns[0].failed
    assert status(card, "no_blame") is PASS  # the agent's turn; the bot's blame is not theirs
    assert all(e.turn != 1 for e in card.criterion("no_blame").evidence)
    assert status(card, "bot_replies") is FAIL
    assert card.criterion("bot_replies").evidence[0].turn == 1


def test_qa_bot_only_conversation_has_no_agent_turn_scores() -> None:
    chat = Chat("bot-only").customer("Where is my parcel?", feels(0.2)).bot(EXCUSE)
    card = score(chat)
    assert card.agent_turns == ()
    assert status(card, "no_blame") is NA
    assert status(card, "bot_replies") is FAIL


def test_qa_resolution_from_the_record_and_reopened() -> None:
    assert status(score(abandoned(), ConversationFacts(status="resolved")), "resolution") is PASS
    reopened = ConversationFacts(status="resolved", reopened=2)
    assert status(score(recovered(), reopened), "resolution") is FAIL
    assert status(score(recovered(), ConversationFacts(status="open")), "resolution") is NA
    done = ConversationFacts(status="resolved", resolved_at=T0 + timedelta(hours=3))
    assert score(recovered(), done).outcome["time_to_resolution_s"] == 3 * 3600


def test_qa_escalation_is_handled_when_the_customer_is_told_who_and_what_next() -> None:
    ask = said(MentionKind.SUPERVISOR, "I want a manager")
    base = Chat("esc").customer("This is useless. I want a manager.", feels(0.8, requests=(ask,)))
    ignored = score(dataclasses.replace(base, turns=list(base.turns), analyses=list(base.analyses))
                    .agent("Let me check your order details first."))  # fmt: skip
    assert status(ignored, "escalation_handled") is FAIL
    told = base.agent(
        "I understand, and I've passed this to my supervisor, Dana Lee, who will call you "
        "today by 4pm with a decision on your refund."
    )
    assert status(score(told), "escalation_handled") is PASS


def test_qa_limits_before_a_block() -> None:
    abuse = feels(0.9, anger=0.9, abuse=0.9)
    chat = (
        Chat("abuse")
        .customer("You useless idiots, where is my refund?", abuse)
        .agent(
            "I want to help you get your refund, but please don't call me names; insults are not "
            "acceptable. I've issued the refund today; it will show within 5 business days."
        )
    )
    blocked_at = chat.at + timedelta(minutes=30)
    card = score(chat, ConversationFacts(blocked_at=blocked_at))
    assert status(card, "limits_before_block") is PASS
    rude = (
        Chat("rude")
        .customer("You useless idiots, where is my refund?", abuse)
        .agent("Your refund was issued today; it will show within 5 business days.")
    )
    card = score(rude, ConversationFacts(blocked_at=rude.at + timedelta(minutes=5)))
    assert status(card, "limits_before_block") is FAIL
    assert status(score(rude), "limits_before_block") is NA


def test_qa_response_times_against_the_sla_on_record() -> None:
    facts = ConversationFacts(first_response_target_s=30 * 60, next_response_target_s=60 * 60)
    late = score(abandoned(), facts)  # first reply after 120 minutes
    assert status(late, "response_times") is FAIL
    assert "waited 7200 s" in late.criterion("response_times").evidence[0].note
    assert status(score(recovered(), facts), "response_times") is PASS
    assert status(score(recovered()), "response_times") is NA  # no SLA data yet


def test_qa_unanswered_customer_breaches_the_sla_at_as_of() -> None:
    chat = Chat("waiting").customer(LATE, feels(0.8))
    facts = ConversationFacts(first_response_target_s=600, as_of=T0 + timedelta(hours=2))
    card = score(chat, facts)
    assert status(card, "response_times") is FAIL
    assert "still unanswered" in card.criterion("response_times").evidence[0].note


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (ConversationFacts(status="resolved", follow_up_known=True,
                           follow_up_done_at=T0 + timedelta(days=2)), PASS),
        (ConversationFacts(status="resolved", follow_up_known=True,
                           follow_up_due=T0 + timedelta(days=1), as_of=T0 + timedelta(days=3)),
         FAIL),
        (ConversationFacts(status="resolved", follow_up_known=True,
                           follow_up_due=T0 + timedelta(days=1), as_of=T0), NA),
        (ConversationFacts(status="open"), NA),
    ],
)  # fmt: skip
def test_qa_follow_up_on_record(facts: ConversationFacts, expected: CriterionStatus) -> None:
    assert status(score(recovered(), facts), "follow_up") is expected


def test_qa_follow_up_read_from_the_transcript() -> None:
    assert status(score(recovered()), "follow_up") is PASS
    no_thanks = Chat("x").customer(LATE, feels(0.9)).agent(FIXED)
    no_thanks.customer(THANKS, feels(0.05, satisfaction=0.8))
    assert status(score(no_thanks), "follow_up") is FAIL


def test_qa_repeat_contact_fails_on_a_mention_or_earlier_contacts() -> None:
    again = said(MentionKind.REPEAT_CONTACT, "third time I am writing")
    chat = Chat("again").customer(
        "This is the third time I am writing!", feels(0.7, requests=(again,))
    )
    card = score(chat)
    assert status(card, "repeat_contact") is FAIL
    assert card.criterion("repeat_contact").evidence[0].span is not None
    assert (
        status(score(recovered(), ConversationFacts(previous_contacts=1)), "repeat_contact") is FAIL
    )
    assert status(score(recovered()), "repeat_contact") is PASS


def test_qa_weights_come_from_the_playbook() -> None:
    chat = abandoned()
    base = score(chat)
    book = parse_playbook({"qa": {"weights": {"de_escalation": 0, "resolution": 0}}})
    heavier = score(chat, playbook=book)
    assert heavier.score > base.score
    off = parse_playbook({"checks": {"no_blame": {"enabled": False}}})
    assert status(score(chat, playbook=off), "no_blame") is NA


@pytest.mark.parametrize(
    ("qa", "fault"),
    [
        ({"weights": {"charm": 1}}, "qa.weights.charm"),
        ({"weights": {"resolution": "high"}}, "qa.weights.resolution"),
        ({"upset_at": 2}, "qa.upset_at"),
        ({"colour": "red"}, "qa.colour"),
        ("yes", "qa"),
    ],
)
def test_qa_bad_settings_are_refused_with_the_path(qa: object, fault: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_playbook({"qa": qa})
    assert err.value.code == "E501" and fault in err.value.message


def test_qa_default_playbook_documents_every_conversation_weight() -> None:
    assert dict(default_playbook().qa.weights) == CONVERSATION_WEIGHTS


def test_qa_score_is_100_when_nothing_applies_and_stays_in_range() -> None:
    chat = Chat("quiet").customer("ok", feels(0.0))
    card = score(chat)
    assert 0 <= card.score <= 100
    bad = score(abandoned())
    assert 0 <= bad.score < 50


def test_qa_analysis_that_does_not_match_the_turns_is_refused() -> None:
    conversation, analysis = recovered().build()
    analysis.turns.pop()
    with pytest.raises(MalformedInput):
        score_conversation(conversation, analysis)


def test_qa_importing_the_criteria_module_keeps_the_criteria_function() -> None:
    import subprocess
    import sys

    code = (
        "import calmdesk.analysis.qa as qa\n"
        "import calmdesk.analysis.qa.criteria\n"
        "assert callable(qa.criteria), type(qa.criteria)\n"
        "print(len(qa.criteria()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(criteria())
