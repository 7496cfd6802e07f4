"""The bot's decision: answer with the article cited, clarify once, or hand over (with summary)."""

from __future__ import annotations

import pytest

from calmdesk.analysis.bot import BotSettings, decide, handoff_trigger
from calmdesk.analysis.kb import KbIndex
from calmdesk.domain import Conversation, CustomerSignals, Role, Turn

pytestmark = pytest.mark.slow


def _chat(*texts: str) -> Conversation:
    """Alternating customer / bot turns, starting with the customer."""
    roles = [Role.CUSTOMER, Role.BOT]
    return Conversation("c", tuple(Turn(roles[i % 2], t) for i, t in enumerate(texts)))


@pytest.mark.parametrize(
    ("question", "article", "words"),
    [
        ("How long does a refund take?", "refund-timing", "5 business days"),
        ("Can I return something I bought three weeks ago?", "returns", "30 days"),
        ("My account is locked after too many tries", "account-locked", "2 hours"),
    ],
)
def test_bot_answers_from_the_article_and_cites_it(
    demo_index: KbIndex, question: str, article: str, words: str
) -> None:
    reply = decide(_chat(question), demo_index)
    assert not reply.handoff and reply.reason == "answered"
    assert [a["id"] for a in reply.articles] == [article]
    title = demo_index.articles[article].title
    assert f'"{title}"' in reply.answer and words in reply.answer
    assert "a bot" in reply.answer  # the first reply says it is a bot


def test_bot_says_it_is_a_bot_only_once(demo_index: KbIndex) -> None:
    reply = decide(
        _chat("hi", "Hi, I am the assistant, a bot. ...", "How long does a refund take?"),
        demo_index,
    )
    assert reply.reason == "answered" and "a bot" not in reply.answer


def test_bot_without_article_hands_off_instead_of_inventing(demo_index: KbIndex) -> None:
    reply = decide(
        _chat("Do you sell electric bicycles with a 5 year battery warranty?"), demo_index
    )
    assert reply.handoff and reply.reason == "low_confidence"
    assert "will answer here" in reply.answer and "Someone from" in reply.answer


def test_bot_with_an_empty_knowledge_base_always_hands_off() -> None:
    from calmdesk.analysis.kb import build_index

    reply = decide(_chat("How long does a refund take?"), build_index([]))
    assert reply.handoff and reply.reason == "low_confidence" and reply.articles == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("You are useless idiots, answer me", "abusive"),
        ("I want to talk to a real person", "asks_for_person"),
        ("Get me your manager now", "asks_for_person"),
        ("I'll be contacting my lawyer about this", "legal"),
        ("I will leave a review everywhere about this", "threat"),
        ("Please cancel my membership", "cancellation"),
        ("I want to make a formal complaint", "complaint"),
        ("This is the third time I'm writing, I'm so fed up", "upset"),
        ("WHERE IS MY ORDER, NOBODY ANSWERS", "upset"),
    ],
)
def test_bot_hands_off_on_each_trigger(demo_index: KbIndex, text: str, reason: str) -> None:
    reply = decide(_chat(text), demo_index)
    assert reply.handoff and reply.reason == reason
    assert "person" in reply.answer and "will answer here" in reply.answer
    assert f'Customer asked: "{text}"' in reply.summary


def test_bot_hands_off_on_upset_signals_without_upset_words(demo_index: KbIndex) -> None:
    signals = CustomerSignals(
        upset=0.85,
        anger=0.7,
        abuse=0.0,
        complaint=0.3,
        urgency=0.5,
        politeness=0.2,
        emotion={"anger": 0.7, "neutral": 0.3},
    )
    reply = decide(_chat("How long does a refund take?"), demo_index, signals=signals)
    assert reply.handoff and reply.reason == "upset"
    assert "very upset (upset 0.85" in reply.summary and "mostly anger" in reply.summary


def test_bot_hands_off_a_high_tier_customer_at_once(demo_index: KbIndex) -> None:
    reply = decide(_chat("How long does a refund take?"), demo_index, tier="Gold")
    assert reply.handoff and reply.reason == "high_tier"


def test_bot_never_answers_a_blocked_customer(demo_index: KbIndex) -> None:
    reply = decide(_chat("How long does a refund take?"), demo_index, blocked=True)
    assert reply.answer == "" and reply.handoff and reply.reason == "blocked"


def test_bot_hands_off_after_failing_twice(demo_index: KbIndex) -> None:
    reply = decide(
        _chat(
            "How long does a refund take?",
            "A refund reaches you within 5 business days.",
            "That did not help",
            "It arrives within 5 business days after we receive it.",
            "No that's not what I asked, where is my parcel",
        ),
        demo_index,
    )
    assert reply.handoff and reply.reason == "failed_twice"
    assert reply.summary.count("Bot answered:") == 1 and "5 business days" in reply.summary


def test_bot_thanked_answer_is_not_a_failure(demo_index: KbIndex) -> None:
    reply = decide(
        _chat(
            "How long does a refund take?",
            "Within 5 business days.",
            "Great, thanks! And where is my parcel?",
            "Use the tracking link.",
            "Thanks. Can I pay with PayPal?",
        ),
        demo_index,
    )
    assert not reply.handoff


def test_bot_asks_one_clarifying_question_when_two_articles_compete(demo_index: KbIndex) -> None:
    wide = BotSettings(margin=1.0)  # every second article "competes"
    first = decide(_chat("refund"), demo_index, wide)
    assert first.reason == "clarify" and first.answer.endswith("?") and len(first.articles) == 2
    second = decide(_chat("refund", first.answer, "the first one"), demo_index, wide)
    assert second.reason in ("answered", "low_confidence")  # never a second clarifying question


def test_bot_out_of_scope_by_the_scope_head_hands_off(demo_index: KbIndex) -> None:
    reply = decide(
        _chat("How long does a refund take?"), demo_index, scope=lambda text: ("oos", 0.9, False)
    )
    assert reply.handoff and reply.reason == "out_of_scope"


def test_bot_with_nothing_to_answer_stays_quiet(demo_index: KbIndex) -> None:
    reply = decide(Conversation("c", (Turn(Role.AGENT, "Hello!"),)), demo_index)
    assert reply.answer == "" and not reply.handoff


@pytest.mark.parametrize(
    "text",
    [
        "How long does a refund take?",
        "Can I pay by invoice?",
        "Where is my parcel?",
        "Thanks, that helps",
        "Is express delivery possible?",
    ],
)
def test_bot_trigger_leaves_plain_questions_alone(text: str) -> None:
    assert handoff_trigger(text) is None


class _Model:
    """A stand-in chat endpoint that answers a fixed text (or fails) and records the prompt."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.messages: list[dict[str, str]] = []

    def complete(self, messages: list[dict[str, str]]) -> str:
        self.messages = messages
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_bot_model_phrasing_grounded_in_the_passages_is_used(demo_index: KbIndex) -> None:
    model = _Model("Your refund reaches your account within 5 business days of our receiving it.")
    reply = decide(
        _chat("How long does a refund take? my email is ann@example.com"), demo_index, model=model
    )
    assert reply.source == "llm" and reply.answer.startswith("Hi, I am")
    assert "within 5 business days of our receiving it" in reply.answer
    assert '"When your refund arrives"' in reply.answer  # still cited
    prompt = model.messages[1]["content"]
    assert "ann@example.com" not in prompt and "Passages:" in prompt


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("Refunds take 10 business days, sometimes 14.", "figures the articles do not"),
        ("<b>Refunds</b> take five business days to arrive.", "markup"),
        ("NO ANSWER", "no answer"),
    ],
)
def test_bot_model_answer_that_fails_a_check_falls_back_to_the_extract(
    demo_index: KbIndex, answer: str, why: str
) -> None:
    reply = decide(_chat("How long does a refund take?"), demo_index, model=_Model(answer))
    assert reply.source.startswith("extractive (") and why in reply.source
    assert "A refund reaches your account within 5 business days" in reply.answer


def test_bot_model_outage_falls_back_to_the_extract(demo_index: KbIndex) -> None:
    from calmdesk.domain import BackendUnavailable

    reply = decide(
        _chat("How long does a refund take?"),
        demo_index,
        model=_Model(BackendUnavailable("timed out")),
    )
    assert reply.source == "extractive (timed out)" and "5 business days" in reply.answer


@pytest.mark.parametrize("text", ["Thanks!", "ok great, thank you so much", "Perfect, cheers"])
def test_bot_thanked_after_an_answer_closes_kindly_without_a_hand_off(
    demo_index: KbIndex, text: str
) -> None:
    reply = decide(
        _chat("How long does a refund take?", "Within 5 business days.", text), demo_index
    )
    assert (reply.reason, reply.handoff) == (
        "thanks",
        False,
    ) and "Glad I could help" in reply.answer


def test_bot_thanks_with_a_new_question_is_answered(demo_index: KbIndex) -> None:
    reply = decide(
        _chat(
            "How long does a refund take?",
            "Within 5 business days.",
            "Thanks! And can I pay with PayPal?",
        ),
        demo_index,
    )
    assert reply.reason == "answered" and reply.articles[0]["id"] == "payment-methods"
