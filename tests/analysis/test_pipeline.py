"""The pipeline's wiring and context logic, with model scores set by hand (TableModels)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from calmdesk.analysis import analyze_conversation, analyze_many, analyze_text
from calmdesk.config import Settings
from calmdesk.domain import (
    AgentSignals,
    Cause,
    ConfigError,
    Conversation,
    CustomerSignals,
    MalformedInput,
    MentionKind,
    Role,
    Trend,
    Turn,
)

C, A, B = Role.CUSTOMER, Role.AGENT, Role.BOT


def convo(*turns: tuple[Role, str], cid: str = "c") -> Conversation:
    return Conversation(cid, tuple(Turn(role, text) for role, text in turns))


def customer(analysis: object, i: int) -> CustomerSignals:
    signals = analysis.turns[i].signals  # type: ignore[attr-defined]
    assert isinstance(signals, CustomerSignals)
    return signals


def test_pipeline_gives_customer_and_agent_signals_by_role(table_models: Any) -> None:
    result = analyze_conversation(
        convo((C, "hi"), (A, "Hello, how can I help?"), (B, "auto reply")),
        models=table_models.models(),
    )
    assert [t.role for t in result.turns] == [C, A, B]
    assert isinstance(result.turns[0].signals, CustomerSignals)
    assert all(isinstance(t.signals, AgentSignals) for t in result.turns[1:])


def test_pipeline_furious_late_order_is_upset_about_delivery(
    table_models: Any, make_row: Any
) -> None:
    text = "My order is TWO WEEKS LATE!!! This is absolutely unacceptable."
    table_models.table[text] = make_row(
        anger=0.6, frustration=0.3, anger_head=0.8, complaint_head=0.9
    )
    signals = customer(analyze_text(text, models=table_models.models()), 0)
    assert signals.upset >= 0.7
    assert signals.cause is Cause.DELIVERY_DELAY


def test_pipeline_thanks_after_fix_is_calm_and_cools(table_models: Any, make_row: Any) -> None:
    angry, thanks = "Where is my refund?? This is ridiculous", "thanks, that solved it"
    table_models.table[angry] = make_row(anger=0.5, frustration=0.4, anger_head=0.7)
    table_models.table[thanks] = make_row(satisfaction=0.9)
    result = analyze_conversation(
        convo((C, angry), (A, "I have issued it now."), (C, thanks)), models=table_models.models()
    )
    assert customer(result, 2).upset < 0.2
    assert result.trend is Trend.COOLING


def test_pipeline_keeps_an_earlier_cause_for_a_follow_up(table_models: Any, make_row: Any) -> None:
    first, second = "My parcel never arrived", "Still nothing. This is a joke!"
    table_models.table[second] = make_row(anger=0.6, anger_head=0.7, complaint_head=0.8)
    result = analyze_conversation(
        convo((C, first), (A, "Let me check."), (C, second)), models=table_models.models()
    )
    assert customer(result, 2).cause is Cause.DELIVERY_DELAY
    assert customer(result, 2).cause_confidence < customer(result, 0).cause_confidence


def test_pipeline_earlier_upset_turns_raise_urgency(table_models: Any, make_row: Any) -> None:
    hot = "This is unacceptable"
    table_models.table[hot] = make_row(anger=0.8, anger_head=0.9)
    models = table_models.models()
    alone = customer(analyze_text("any update?", models=models), 0)
    later = analyze_conversation(convo((C, hot), (C, hot), (C, "any update?")), models=models)
    assert customer(later, 2).urgency > alone.urgency


def test_pipeline_time_waited_raises_urgency(table_models: Any) -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    turns = (Turn(C, "hello?", start), Turn(C, "any update?", start + timedelta(days=3)))
    soon = (Turn(C, "hello?", start), Turn(C, "any update?", start + timedelta(minutes=5)))
    models = table_models.models()
    waited = analyze_conversation(Conversation("w", turns), models=models)
    quick = analyze_conversation(Conversation("q", soon), models=models)
    assert customer(waited, 1).urgency > customer(quick, 1).urgency


def test_pipeline_scores_each_distinct_text_once(table_models: Any) -> None:
    models = table_models.models()
    many = [convo((C, "same words"), (C, f"turn {i}"), cid=str(i)) for i in range(5)]
    results = list(analyze_many(many, models=models, batch_turns=100))
    assert [r.id for r in results] == [str(i) for i in range(5)]
    encoded = [t for call in table_models.calls for t in call]
    counts = Counter(encoded)
    assert all(counts[t] == 1 for t in ["same words", *(f"turn {i}" for i in range(5))])


def test_pipeline_scores_heads_only_for_customer_and_bot_turns(table_models: Any) -> None:
    models = table_models.models()
    first = convo((C, "where is it"), (A, "Let me check."), (B, "A bot note."), cid="r1")
    analyze_conversation(first, models=models)
    assert sorted(table_models.calls[0]) == ["A bot note.", "Let me check.", "where is it"]
    assert sorted(t for call in table_models.predicted for t in call) == [
        "A bot note.",
        "where is it",
    ]
    # the agent's words come back as a customer's: the heads read them now, the encoder not again
    table_models.calls.clear()
    table_models.predicted.clear()
    again = convo((C, "Let me check."), (A, "where is it"), cid="r2")
    result = analyze_conversation(again, models=models)
    assert "Let me check." not in {t for call in table_models.calls for t in call}
    assert table_models.predicted == [["Let me check."]]
    assert isinstance(result.turns[0].signals, CustomerSignals)
    assert isinstance(result.turns[1].signals, AgentSignals)


def test_pipeline_models_score_checks_roles(table_models: Any) -> None:
    models = table_models.models()
    with pytest.raises(MalformedInput):
        models.score(["a", "b"], [C])
    scored = models.score(["only an agent said this"], [A])
    assert scored["only an agent said this"].heads is None
    assert models.score(["only an agent said this"])["only an agent said this"].heads is not None


def test_pipeline_analyze_many_is_lazy_and_ordered(table_models: Any) -> None:
    def endless():  # type: ignore[no-untyped-def]
        i = 0
        while True:
            yield convo((C, f"message {i}"), cid=str(i))
            i += 1

    stream = analyze_many(endless(), models=table_models.models(), batch_turns=4)
    assert [next(stream).id for _ in range(10)] == [str(i) for i in range(10)]


def test_pipeline_flags_truncated_turns(table_models: Any) -> None:
    settings = Settings(max_text_chars=50)
    result = analyze_text("late " * 100, settings, models=table_models.models())
    assert customer(result, 0).truncated is True


def test_pipeline_reports_requests_with_spans(table_models: Any) -> None:
    result = analyze_text("get me your manager", models=table_models.models())
    (request,) = customer(result, 0).requests
    assert request.kind is MentionKind.SUPERVISOR and request.span.text == "get me your manager"
    assert "asked for a manager" in result.reasons


@pytest.mark.parametrize(
    "bad",
    ["not a conversation", Conversation("x", ("not a turn",)), Conversation("x", (Turn(C, 5),))],  # type: ignore[arg-type]
)
def test_pipeline_rejects_malformed_input_clearly(bad: object, table_models: Any) -> None:
    with pytest.raises(MalformedInput):
        analyze_conversation(bad, models=table_models.models())  # type: ignore[arg-type]


def test_pipeline_resent_conversation_reads_only_the_new_turn(table_models: Any) -> None:
    models = table_models.models()
    start = convo((C, "my parcel is late"), (A, "Let me check."), cid="grow")
    grown = convo((C, "my parcel is late"), (A, "Let me check."), (C, "still late!"), cid="grow")
    first = analyze_conversation(start, models=models)
    second = analyze_conversation(grown, models=models)
    fresh = analyze_conversation(grown, models=type(table_models)().models())
    assert second.turns[0] is first.turns[0] and second.turns[1] is first.turns[1]
    assert second == fresh


def test_pipeline_same_turns_under_another_id_are_not_read_again(table_models: Any) -> None:
    models = table_models.models()
    thread = ((C, "my parcel is late"), (A, "Let me check."))
    first = analyze_conversation(convo(*thread, cid="web"), models=models)
    again = analyze_conversation(convo(*thread, (C, "still late!"), cid="worker"), models=models)
    fresh = analyze_conversation(
        convo(*thread, (C, "still late!"), cid="worker"), models=type(table_models)().models()
    )
    assert again.turns[0] is first.turns[0] and again.turns[1] is first.turns[1]
    assert again == fresh and again.id == "worker"


def test_pipeline_same_thread_with_another_last_turn_reads_only_that_turn(
    table_models: Any,
) -> None:
    models = table_models.models()
    thread = ((C, "my parcel is late"), (A, "Let me check."))
    first = analyze_conversation(convo(*thread, (C, "hello?"), cid="d1"), models=models)
    for last in ((C, "anyone there?"), (A, "It ships today.")):
        other = analyze_conversation(convo(*thread, last, cid="d2"), models=models)
        fresh = analyze_conversation(
            convo(*thread, last, cid="d2"), models=type(table_models)().models()
        )
        assert other.turns[:2] == first.turns[:2] and other.turns[0] is first.turns[0]
        assert other == fresh


def test_pipeline_changed_earlier_turn_is_read_again(table_models: Any) -> None:
    models = table_models.models()
    analyze_conversation(convo((C, "all fine"), cid="edit"), models=models)
    edited = analyze_conversation(convo((C, "you useless idiots"), cid="edit"), models=models)
    assert customer(edited, 0).abuse > 0.5


def test_pipeline_reviews_agent_turns_with_the_configured_playbook(
    table_models: Any, tmp_path: Any
) -> None:
    broken = tmp_path / "playbook.yaml"
    broken.write_text("checks: [not, a, mapping]\n", encoding="utf-8")
    conversation = convo((C, "where is my order?"), (A, "Let me check that for you."))
    result = analyze_conversation(conversation, models=table_models.models())
    agent = result.turns[1].signals
    assert isinstance(agent, AgentSignals) and agent.review is not None
    with pytest.raises(ConfigError):
        analyze_conversation(
            conversation, Settings(playbook_path=broken), models=table_models.models()
        )
