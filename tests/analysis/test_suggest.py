"""Suggested replies: offline composer, review of every suggestion, optional model backend."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from calmdesk.analysis.knowledge import default_knowledge_base
from calmdesk.analysis.suggest import Suggestion, failed_checks, suggest_reply
from calmdesk.config import Settings
from calmdesk.domain import (
    AbuseKind,
    Cause,
    CheckStatus,
    Conversation,
    ConversationAnalysis,
    CustomerSignals,
    EmptyInput,
    MalformedInput,
    Mention,
    MentionKind,
    Role,
    Span,
    Trend,
    Turn,
    TurnAnalysis,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def customer(text: str, **signals: Any) -> tuple[Turn, CustomerSignals]:
    """A customer turn with hand-set signals (calm and neutral unless told otherwise)."""
    base: dict[str, Any] = {
        "upset": 0.1,
        "anger": 0.0,
        "abuse": 0.0,
        "complaint": 0.1,
        "urgency": 0.1,
        "politeness": 0.5,
        "emotion": {"neutral": 1.0},
    }
    base.update(signals)
    return Turn(Role.CUSTOMER, text, NOW), CustomerSignals(**base)


def conversation(cid: str, *turns: tuple[Turn, CustomerSignals], risk: float = 0.2) -> Any:
    conv = Conversation(cid, tuple(t for t, _ in turns))
    analysis = ConversationAnalysis(
        cid, [TurnAnalysis(Role.CUSTOMER, s) for _, s in turns], Trend.STEADY, risk, []
    )
    return conv, analysis


def _difficult() -> dict[str, Any]:
    insult = "useless idiots"
    abusive_text = f"You are {insult}. Where is my parcel?? Two weeks and nothing."
    return {
        "late_delivery": conversation(
            "late",
            customer(
                "My order #4411 was supposed to arrive on Monday and it still isn't here. "
                "This is the third time I'm writing!!",
                upset=0.8,
                anger=0.6,
                complaint=0.9,
                cause=Cause.DELIVERY_DELAY,
                cause_confidence=0.8,
            ),
        ),
        "defect": conversation(
            "defect",
            customer(
                "The blender I bought last week stopped working after two days. "
                "The motor just makes a burning smell.",
                upset=0.5,
                complaint=0.8,
                cause=Cause.DEFECT,
                cause_confidence=0.7,
            ),
        ),
        "wrong_charge": conversation(
            "charge",
            customer(
                "You charged my card twice for the same order and I want the extra payment back.",
                upset=0.6,
                complaint=0.8,
                cause=Cause.BILLING,
                cause_confidence=0.8,
            ),
        ),
        "locked_account": conversation(
            "locked",
            customer(
                "I'm locked out of my account and the reset email never arrives. "
                "I need access for work today.",
                upset=0.6,
                urgency=0.8,
                complaint=0.7,
                cause=Cause.ACCOUNT_ACCESS,
                cause_confidence=0.8,
            ),
        ),
        "abusive": conversation(
            "abusive",
            customer(
                abusive_text,
                upset=0.9,
                anger=0.9,
                abuse=0.9,
                complaint=0.9,
                cause=Cause.DELIVERY_DELAY,
                cause_confidence=0.7,
                abuse_kinds=[AbuseKind.INSULT],
                abuse_spans=[Span(8, 8 + len(insult), insult, "insult")],
            ),
            risk=0.6,
        ),
        "manager_request": conversation(
            "manager",
            customer(
                "I have explained the broken heater three times already. Get me a manager now.",
                upset=0.8,
                anger=0.7,
                complaint=0.9,
                cause=Cause.DEFECT,
                cause_confidence=0.6,
                requests=[Mention(MentionKind.SUPERVISOR, Span(62, 75, "get me a manager"))],
            ),
            risk=0.8,
        ),
        "confused": conversation(
            "confused",
            customer("hi, something is wrong with my thing, not sure what happened", upset=0.3),
        ),
    }


DIFFICULT = _difficult()


@pytest.mark.parametrize("name", sorted(DIFFICULT))
def test_suggest_reply_passes_every_applicable_check(name: str) -> None:
    conv, analysis = DIFFICULT[name]
    suggestion = suggest_reply(conv, analysis, now=NOW)
    assert suggestion.source == "offline"
    assert failed_checks(suggestion.review) == [], suggestion.text
    assert suggestion.review.score == 100


@pytest.mark.parametrize("name", sorted(DIFFICULT))
def test_suggest_reply_works_without_signals(name: str) -> None:
    conv, _ = DIFFICULT[name]
    suggestion = suggest_reply(conv, None, now=NOW)
    assert suggestion.text.strip()
    assert {c.check for c in suggestion.review.checks if c.status is CheckStatus.FAIL} <= {"P2"}


def _status(suggestion: Suggestion, check: str) -> CheckStatus:
    return next(c.status for c in suggestion.review.checks if c.check == check)


def test_suggest_reply_sets_a_boundary_without_mirroring_abuse() -> None:
    conv, analysis = DIFFICULT["abusive"]
    suggestion = suggest_reply(conv, analysis, now=NOW)
    assert _status(suggestion, "P13") is CheckStatus.PASS
    assert "idiot" not in suggestion.text.lower() and "useless" not in suggestion.text.lower()
    assert "respectful" in suggestion.text


def test_suggest_reply_says_who_helps_next_when_a_manager_is_asked_for() -> None:
    conv, analysis = DIFFICULT["manager_request"]
    suggestion = suggest_reply(conv, analysis, now=NOW)
    assert _status(suggestion, "P14") is CheckStatus.PASS
    assert default_knowledge_base().escalation.who in suggestion.text


def test_suggest_reply_offers_knowledge_base_options_with_their_timelines() -> None:
    conv, analysis = DIFFICULT["late_delivery"]
    text = suggest_reply(conv, analysis, now=NOW).text
    assert "within 2 business days" in text and "within 5 business days" in text
    assert _status(suggest_reply(conv, analysis, now=NOW), "P8") is CheckStatus.PASS


def test_suggest_reply_asks_a_question_when_the_problem_is_unclear() -> None:
    conv, analysis = DIFFICULT["confused"]
    suggestion = suggest_reply(conv, analysis, now=NOW)
    assert _status(suggestion, "P6") is CheckStatus.PASS
    assert suggestion.text.rstrip().endswith("?")


def test_suggest_reply_is_deterministic_and_varies_between_conversations() -> None:
    conv, analysis = DIFFICULT["defect"]
    first = suggest_reply(conv, analysis, now=NOW).text
    assert suggest_reply(conv, analysis, now=NOW).text == first
    texts = set()
    for i in range(8):
        other = Conversation(f"defect-{i}", conv.turns)
        texts.add(suggest_reply(other, analysis, now=NOW).text)
    assert len(texts) >= 3


def test_suggest_reply_replaces_a_trailing_agent_draft() -> None:
    conv, analysis = DIFFICULT["defect"]
    draft = Turn(Role.AGENT, "Not our problem, you should have read the manual.", NOW)
    with_draft = Conversation(conv.id, (*conv.turns, draft))
    suggestion = suggest_reply(with_draft, analysis, now=NOW)
    assert suggestion.text == suggest_reply(conv, analysis, now=NOW).text


@pytest.mark.parametrize(
    ("conv", "error"),
    [
        (Conversation("empty"), EmptyInput),
        (Conversation("agent-only", (Turn(Role.AGENT, "Hello?"),)), EmptyInput),
        ("not a conversation", MalformedInput),
    ],
)
def test_suggest_reply_rejects_unusable_conversations(conv: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        suggest_reply(conv, None, now=NOW)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script> My order never arrived <b>at all</b>!",
        "My order never arrived. " + "Really. " * 3000,
        "Visit http://evil.example/x?y=1 — my order never arrived 😡😡",
        "\u202eMy order never arrived\u202c and \x00nobody\x07 replies",
    ],
)
def test_suggest_reply_survives_hostile_customer_text(text: str) -> None:
    turn, signals = customer(text, upset=0.7, complaint=0.8, cause=Cause.DELIVERY_DELAY)
    conv, analysis = conversation("hostile", (turn, signals))
    suggestion = suggest_reply(conv, analysis, now=NOW)
    assert "<" not in suggestion.text and "http" not in suggestion.text
    assert "\x00" not in suggestion.text
    assert len(suggestion.text) < 2_000


def _demo() -> list[Conversation]:
    text = resources.files("calmdesk").joinpath("demo/conversations.yaml").read_text("utf-8")
    return [
        Conversation(
            str(raw["id"]),
            tuple(Turn(Role(r), said, NOW) for t in raw["turns"] for r, said in t.items()),
        )
        for raw in yaml.safe_load(text)["conversations"]
    ]


# Known misses, kept visible: the composer's echo picks a sentence that does not name the problem
# (004, 012) or finds none outside the insults (021). Since P2 reads the learned reflection score,
# these replies pass it (the head rewards the framing, "as I understand it", more than the echo):
# a false pass of the reflection head, so the mark is no longer strict; the composer is not fixed.
# 009 is the other way round: the echo names the problem ("your gift card code says invalid at
# checkout"), but since the reply offers to open a case instead of claiming it did ("I can open a
# case", claims.py), the reflection head scores it 0.38 (0.55 with "I have opened"): a false fail
# of the head, left to the head's retraining rather than worded around.
_P2_MISSES = {"004", "009", "012", "021"}


def _demo_params() -> list[object]:
    miss = pytest.mark.xfail(strict=False, reason="P2: the reply does not say back the concern")
    return [pytest.param(c, id=c.id, marks=[miss] if c.id in _P2_MISSES else []) for c in _demo()]


@pytest.mark.parametrize("conv", _demo_params())
def test_suggest_reply_passes_checks_for_each_demo_conversation(conv: Conversation) -> None:
    assert failed_checks(suggest_reply(conv, None, now=NOW).review) == []


def test_suggest_reply_closes_warmly_when_the_customer_says_thanks() -> None:
    problem = customer("My router keeps dropping the connection.", upset=0.5, complaint=0.8)
    thanks = customer("It worked! Thanks a lot.", upset=0.0)
    conv, analysis = conversation("closing", problem, thanks)
    text = suggest_reply(conv, analysis, now=NOW).text
    assert "it worked" in text
    assert "tomorrow" in text  # a follow-up (A3), not a new fix


def test_suggest_reply_reads_the_knowledge_base_named_in_the_settings(tmp_path: Path) -> None:
    source = resources.files("calmdesk").joinpath("defaults/knowledge_base.yaml").read_text("utf-8")
    custom = tmp_path / "kb.yaml"
    custom.write_text(source.replace("value: 5\n", "value: 10\n", 1), encoding="utf-8")
    conv, analysis = DIFFICULT["late_delivery"]
    suggestion = suggest_reply(
        conv, analysis, now=NOW, config=Settings(knowledge_base_path=custom, llm_base_url=None)
    )
    assert "within 10 business days" in suggestion.text
    assert failed_checks(suggestion.review) == []


# --- the optional model backend, against a small OpenAI-compatible server on loopback ---------

GOOD_ANSWER = (
    "I can see why this has been upsetting. So your blender stopped working after two days and "
    "the motor makes a burning smell. I'm sorry that the item you received is not working. "
    "I can send you a replacement, and the replacement reaches you within 2 business days. "
    "I will send the confirmation to [EMAIL_1]. Does that work for you?"
)


@dataclass
class FakeChat:
    """What the test server answers, and what it was sent."""

    mode: str = "good"
    answer: Any = GOOD_ANSWER  # a string, or a list of content parts
    received: list[dict[str, Any]] = field(default_factory=list)


def _handler(state: FakeChat) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(json.loads(body))
            if state.mode == "slow":
                time.sleep(1.5)
            status, payload = self._reply()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            sent = 0
            if state.mode == "trickle":  # every byte in time, the whole answer far too late
                for sent in range(1, 13):
                    self.wfile.write(payload[sent - 1 : sent])
                    self.wfile.flush()
                    time.sleep(0.25)
            self.wfile.write(payload[sent:])

        def _reply(self) -> tuple[int, bytes]:
            if state.mode == "error":
                return 500, b'{"error": "boom"}'
            if state.mode == "garbage":
                return 200, b"<html>definitely not json</html>"
            if state.mode == "empty":
                return 200, json.dumps({"choices": [{"message": {"content": " "}}]}).encode()
            content = {"choices": [{"message": {"role": "assistant", "content": state.answer}}]}
            return 200, json.dumps(content).encode()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def chat_server() -> Iterator[tuple[str, FakeChat]]:
    state = FakeChat()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _settings(url: str) -> Settings:
    return Settings(llm_base_url=url, llm_model="test-model", llm_timeout_s=0.5)


def _defect_with_pii() -> tuple[Conversation, ConversationAnalysis]:
    conv, analysis = DIFFICULT["defect"]
    pii = Turn(Role.CUSTOMER, "Card 4242 4242 4242 4242, mail jo@example.com.", NOW)
    sig = analysis.turns[0].signals
    return (
        Conversation(conv.id, (*conv.turns, pii)),
        ConversationAnalysis(
            conv.id, [*analysis.turns, TurnAnalysis(Role.CUSTOMER, sig)], Trend.STEADY, 0.2, []
        ),
    )


def test_suggest_reply_uses_the_model_answer_when_it_passes(
    chat_server: tuple[str, FakeChat],
) -> None:
    url, state = chat_server
    conv, analysis = _defect_with_pii()
    suggestion = suggest_reply(conv, analysis, now=NOW, config=_settings(url))
    assert suggestion.source == "llm"
    assert "jo@example.com" in suggestion.text  # the placeholder came back as the address
    assert state.received[0]["model"] == "test-model"


def test_suggest_reply_redacts_personal_data_before_the_call(
    chat_server: tuple[str, FakeChat],
) -> None:
    url, state = chat_server
    conv, analysis = _defect_with_pii()
    suggest_reply(conv, analysis, now=NOW, config=_settings(url))
    sent = json.dumps(state.received[0])
    assert "4242 4242" not in sent and "jo@example.com" not in sent
    assert "[CARD_1]" in sent and "[EMAIL_1]" in sent


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("slow", "timed out"),
        ("trickle", "timed out"),
        ("error", "HTTP 500"),
        ("garbage", "unknown shape"),
        ("empty", "empty answer"),
    ],
)
def test_suggest_reply_falls_back_offline_when_the_model_fails(
    chat_server: tuple[str, FakeChat], mode: str, why: str
) -> None:
    url, state = chat_server
    state.mode = mode
    conv, analysis = DIFFICULT["defect"]
    started = time.monotonic()
    suggestion = suggest_reply(conv, analysis, now=NOW, config=_settings(url))
    assert suggestion.source.startswith("offline (model unavailable")
    assert why in suggestion.source
    assert failed_checks(suggestion.review) == []
    assert suggestion.text == suggest_reply(conv, analysis, now=NOW).text
    assert time.monotonic() - started < 5  # bounded by the timeout, not by the slow server


@pytest.mark.parametrize(
    ("answer", "failed"),
    [
        ("That is not our fault, you should have read the manual. Anything else?", "P5"),
        ("I guarantee this will never happen again. A new blender ships today.", "P11"),
        ('{"reply": "Sorry about that, we will send a new blender."}', None),
    ],
)
def test_suggest_reply_rejects_model_answers_that_fail_review(
    chat_server: tuple[str, FakeChat], answer: str, failed: str | None
) -> None:
    url, state = chat_server
    state.answer = answer
    conv, analysis = DIFFICULT["defect"]
    suggestion = suggest_reply(conv, analysis, now=NOW, config=_settings(url))
    assert suggestion.source.startswith("offline")
    if failed is not None:
        assert failed in suggestion.source
    assert failed_checks(suggestion.review) == []


@pytest.mark.parametrize(
    ("answer", "source"),
    [
        (
            [
                {"type": "text", "text": GOOD_ANSWER[:90]},
                {"type": "text", "text": GOOD_ANSWER[90:]},
            ],
            "llm",
        ),
        (f"<think>The customer is upset; plan the reply.</think>{GOOD_ANSWER}", "llm"),
        ("<think>Only thinking, and the answer never came", "offline (model unavailable"),
        ([{"type": "image_url", "image_url": "x"}], "offline (model unavailable"),
    ],
)
def test_suggest_reply_reads_content_parts_and_drops_thinking(
    chat_server: tuple[str, FakeChat], answer: Any, source: str
) -> None:
    url, state = chat_server
    state.answer = answer
    conv, analysis = _defect_with_pii()
    suggestion = suggest_reply(conv, analysis, now=NOW, config=_settings(url))
    assert suggestion.source.startswith(source)
    assert "<think>" not in suggestion.text
