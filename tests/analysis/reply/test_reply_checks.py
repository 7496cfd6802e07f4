"""Each playbook check, both ways, on hand-written drafts and customers."""

from __future__ import annotations

import pytest
from reply_personas import (
    ABUSIVE,
    ANGRY_LATE,
    CALM_QUESTION,
    MILD_BILLING,
    VAGUE,
    WANTS_MANAGER,
    Customer,
    evidence,
    status,
)

from calmdesk.analysis.reply import Authority, Playbook, PolicyFact
from calmdesk.domain import CheckStatus

PASS, FAIL, NOT_NEEDED = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.NOT_NEEDED

CASES: list[tuple[str, Customer, str, CheckStatus]] = [
    # P2 reflects the concern
    ("P2", ANGRY_LATE, "I'm sorry order 48213 still hasn't arrived after Monday's date.", PASS),
    ("P2", ANGRY_LATE, "Thank you for contacting us. We value you as a customer.", FAIL),
    ("P2", CALM_QUESTION, "It takes about a minute in your account settings.", NOT_NEEDED),
    # P3 empathy at a fitting strength
    ("P3", ANGRY_LATE, "I can only imagine how frustrating a second late delivery is.", PASS),
    ("P3", ANGRY_LATE, "Your order is in transit and will be delivered.", FAIL),
    ("P3", ANGRY_LATE, "I understand. The order is in transit.", FAIL),
    ("P3", CALM_QUESTION, "I'm heartbroken to hear that, truly devastated.", FAIL),
    ("P3", CALM_QUESTION, "You can change it under Orders > Edit address.", NOT_NEEDED),
    (  # an apology alone is not empathy (the labelled replies' convention; it passes P7)
        "P3",
        Customer("My parcel is late again and nobody told me why.", upset=0.5),
        "I'm sorry your parcel is late again; it is on today's van.",
        FAIL,
    ),
    (
        "P3",
        Customer("My parcel is late again and nobody told me why.", upset=0.5),
        "Late again and not a word from us - no wonder you're fed up. It is on today's van.",
        PASS,
    ),
    ("P3", ANGRY_LATE, "I'm sorry your order is late; it ships today.", FAIL),
    # P4 calm and professional
    ("P4", ANGRY_LATE, "I'm sorry about the delay; I have asked the courier for an update.", PASS),
    ("P4", ANGRY_LATE, "Please calm down, the order is on its way.", FAIL),
    ("P4", ANGRY_LATE, "THE ORDER IS ON ITS WAY. WE TOLD YOU ALREADY!!!", FAIL),
    ("P4", ANGRY_LATE, "Oh great, another impatient customer. It is coming.", FAIL),
    # P5 no blame or excuses
    ("P5", ANGRY_LATE, "I have chased the courier and will update you by 3pm today.", PASS),
    ("P5", ANGRY_LATE, "That is not our fault, the courier is to blame.", FAIL),
    ("P5", MILD_BILLING, "You should have read the billing terms before subscribing.", FAIL),
    # P6 clarifying question when unclear
    ("P6", VAGUE, "Sorry to hear that. What exactly stopped working, and on which device?", PASS),
    ("P6", VAGUE, "Sorry about that, I have reset everything on our side.", FAIL),
    ("P6", ANGRY_LATE, "I have asked the courier to deliver it tomorrow morning.", NOT_NEEDED),
    # P7 apology when let down, without liability
    ("P7", ANGRY_LATE, "I'm really sorry your order is late again.", PASS),
    ("P7", ANGRY_LATE, "Your order is late. It will arrive tomorrow.", FAIL),
    ("P7", ANGRY_LATE, "I'm sorry you feel that way about the delivery.", FAIL),
    ("P7", ANGRY_LATE, "I'm sorry, this was entirely our fault and we are liable.", FAIL),
    ("P7", CALM_QUESTION, "You can change the address from your account page.", NOT_NEEDED),
    ("P6", MILD_BILLING, "Sorry about that. Could you tell me the date of both charges?", PASS),
    # P9 concrete solution or next step
    ("P9", ANGRY_LATE, "I've reshipped the order by express; it will arrive Thursday.", PASS),
    ("P9", ANGRY_LATE, "We'll see what we can do.", FAIL),
    ("P9", VAGUE, "Could you tell me what isn't working?", NOT_NEEDED),
    (
        "P9",
        MILD_BILLING,
        "Sorry about that. Could you tell me the date of both charges?",
        NOT_NEEDED,
    ),
    (
        "P9",
        ANGRY_LATE,
        "I can resend the order by express or refund it; which do you prefer?",
        PASS,
    ),
    ("P9", CALM_QUESTION, "It takes about a minute and costs nothing.", PASS),
    # P10 timeline when not solved now
    ("P10", ANGRY_LATE, "I'll chase the courier and email you by 5pm tomorrow.", PASS),
    ("P10", ANGRY_LATE, "I'll chase the courier and get back to you soon.", FAIL),
    ("P10", MILD_BILLING, "I have refunded the duplicate charge to your card.", NOT_NEEDED),
    ("P10", ANGRY_LATE, "I've booked a redelivery for your order.", FAIL),
    ("P10", ANGRY_LATE, "I've booked a redelivery for Thursday morning.", PASS),
    # P11 no over-promising
    ("P11", ANGRY_LATE, "I'll send it by express and email the tracking number today.", PASS),
    ("P11", ANGRY_LATE, "I guarantee it will never happen again.", FAIL),
    ("P11", MILD_BILLING, "I've issued a refund of $450 to make up for it.", FAIL),
    # P12 checks the solution meets the need
    ("P12", MILD_BILLING, "I've refunded the second charge. Does that work for you?", PASS),
    ("P12", MILD_BILLING, "I've refunded the second charge. Have a nice day.", FAIL),
    ("P12", CALM_QUESTION, "It takes about a minute.", NOT_NEEDED),
    # P13 polite, firm boundary with abuse
    ("P13", ABUSIVE, "I want to help with the charge, but I won't accept insults.", PASS),
    ("P13", ABUSIVE, "I'll look at the double charge now.", FAIL),
    ("P13", ABUSIVE, "Stop being so dramatic, you idiot.", FAIL),
    ("P13", MILD_BILLING, "I've refunded the second charge.", NOT_NEEDED),
    (
        "P13",
        Customer("This crap kettle broke after a week.", upset=0.6),
        "Sorry it broke.",
        NOT_NEEDED,
    ),
    (
        "P13",
        Customer("You're a liar, it was never in stock."),
        "Please don't call me a liar; I checked and it arrives Monday.",
        PASS,
    ),
    # P14 escalation: who and what next
    (
        "P14",
        WANTS_MANAGER,
        "I've passed this to my supervisor, Dana, who will call you today.",
        PASS,
    ),
    ("P14", WANTS_MANAGER, "I'll escalate it.", FAIL),
    ("P14", WANTS_MANAGER, "Let me try resetting the machine with you first.", FAIL),
    ("P14", MILD_BILLING, "I've refunded the second charge.", NOT_NEEDED),
    ("P14", MILD_BILLING, "I'll sort it here rather than transferring you again.", NOT_NEEDED),
]


@pytest.mark.parametrize(("check_id", "customer", "draft", "expected"), CASES)
def test_check_decides_status(review, check_id, customer, draft, expected) -> None:
    assert status(review(draft, customer), check_id) is expected


FACTS = Playbook(facts=(PolicyFact("refund time", ("refund",), 10, "business days"),))


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("Your refund will reach your card within 10 business days.", PASS),
        ("Refunds take 5 business days to show on your statement.", FAIL),
        ("Refunds usually take 7-12 business days.", PASS),
        ("I have passed this to the warehouse.", NOT_NEEDED),
    ],
)
def test_policy_facts_compares_with_the_knowledge_base(review, draft, expected) -> None:
    assert status(review(draft, MILD_BILLING, config=FACTS), "P8") is expected


def test_policy_facts_is_not_needed_without_a_knowledge_base(review) -> None:
    draft = "Refunds take 5 business days."
    assert status(review(draft, MILD_BILLING, config=Playbook()), "P8") is NOT_NEEDED


def test_no_blame_fails_a_blaming_reply_with_the_span(review) -> None:
    result = review("As I already explained, you should have checked the size chart.", ANGRY_LATE)
    assert status(result, "P5") is FAIL
    assert evidence(result, "P5") == ["As I already explained", "you should have"]


def test_no_overpromise_fails_guarantee_never_again(review) -> None:
    result = review("I guarantee it will never happen again.", ANGRY_LATE)
    assert status(result, "P11") is FAIL
    assert "I guarantee" in evidence(result, "P11")


def test_insult_to_abusive_customer_fails_calm_and_boundary(review) -> None:
    result = review("Listen, you idiot, nobody here is useless.", ABUSIVE)
    assert status(result, "P4") is FAIL
    assert status(result, "P13") is FAIL
    assert {"idiot", "useless"} <= {p.span.text.lower() for p in result.tone_problems}
    assert {p.kind for p in result.tone_problems} >= {"insult", "mirroring"}


@pytest.mark.parametrize(
    ("authority", "expected"),
    [(Authority(max_refund=500), PASS), (Authority(max_refund=100), FAIL)],
)
def test_no_overpromise_respects_configured_refund_authority(review, authority, expected) -> None:
    result = review(
        "I've refunded $250 to your card.", MILD_BILLING, config=Playbook(authority=authority)
    )
    assert status(result, "P11") is expected


def test_no_overpromise_allows_large_amounts_handed_to_a_manager(review) -> None:
    draft = "A refund of $400 needs my manager's approval, so I've asked Sam to approve it today."
    assert status(review(draft, MILD_BILLING), "P11") is PASS


def test_no_overpromise_fails_forbidden_actions(review) -> None:
    config = Playbook(authority=Authority(forbidden=("free upgrade for life",)))
    result = review("To make up for it you get a free upgrade for life.", ANGRY_LATE, config=config)
    assert status(result, "P11") is FAIL
    assert evidence(result, "P11") == ["free upgrade for life"]


def test_apology_admitting_fault_passes_when_the_playbook_allows_it(review) -> None:
    draft = "I'm sorry, this was our fault and I have reshipped it."
    assert status(review(draft, ANGRY_LATE, config=Playbook(admit_fault=True)), "P7") is PASS
