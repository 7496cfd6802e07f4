"""Any string at all gives valid signals (or a clear error), never a crash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calmdesk.analysis import analyze_text, clean_text
from calmdesk.analysis.patterns import MAX_SPANS
from calmdesk.config import Settings
from calmdesk.domain import CustomerSignals, to_jsonable

_SPECIAL = st.sampled_from(
    [
        "",
        "\x00\x01\x1b[31m",
        "😡😡 🤬 you idiots 👎🏽",
        "<script>alert('x')</script><b>LATE</b>",
        "\u202eإلى متى أنتظر طلبي؟ שלום",
        "\ud800 broken \udfff surrogates",
        "x" * 260,
        "you useless idiots " * 20,
    ]
)
_SMALL = Settings(max_text_chars=240)
_TEXT = st.one_of(st.text(max_size=300), _SPECIAL, st.lists(_SPECIAL, max_size=4).map("".join))


def _check_signals(signals: CustomerSignals, text: str) -> None:
    for name in ("upset", "anger", "abuse", "complaint", "urgency", "politeness"):
        assert 0.0 <= getattr(signals, name) <= 1.0, name
    assert abs(sum(signals.emotion.values()) - 1.0) < 1e-6
    cleaned = clean_text(text, _SMALL.max_text_chars).text
    for span in [*signals.abuse_spans, *(m.span for m in signals.requests + signals.threats)]:
        assert cleaned[span.start : span.end] == span.text


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=_TEXT)
def test_analyze_text_any_string_gives_valid_json_ready_signals(
    text: str, table_models: Any
) -> None:
    result = analyze_text(text, _SMALL, models=table_models.models())
    signals = result.turns[0].signals
    assert isinstance(signals, CustomerSignals)
    _check_signals(signals, text)
    assert signals.truncated is (len(clean_text(text, 10**7).text) > _SMALL.max_text_chars)
    assert 0.0 <= result.escalation_risk <= 1.0
    json.dumps(to_jsonable(result), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    ("text", "abusive"),
    [
        ("you useless idiots! " * 52_000, True),
        ("x" * 1_000_000, False),
        ("no refund " * 100_000, False),
    ],
)
def test_analyze_text_one_megabyte_is_truncated_and_flagged(
    table_models: Any, text: str, abusive: bool
) -> None:
    result = analyze_text(text, models=table_models.models())
    signals = result.turns[0].signals
    assert isinstance(signals, CustomerSignals)
    assert signals.truncated
    assert (signals.abuse > 0.5) is abusive
    assert len(signals.abuse_spans) <= MAX_SPANS


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT)
def test_analyze_text_any_string_with_the_real_models(text: str) -> None:
    result = analyze_text(text, _SMALL)
    signals = result.turns[0].signals
    assert isinstance(signals, CustomerSignals)
    _check_signals(signals, text)
