"""Any string at all gives valid signals (or a clear error), never a crash."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calmdesk.analysis import analyze_text, clean_text
from calmdesk.analysis.text import DEFAULT_MAX_CHARS
from calmdesk.domain import CustomerSignals, to_jsonable

_SPECIAL = st.sampled_from(
    [
        "",
        "\x00\x01\x1b[31m",
        "😡😡 🤬 you idiots 👎🏽",
        "<script>alert('x')</script><b>LATE</b>",
        "\u202eإلى متى أنتظر طلبي؟ שלום",
        "\ud800 broken \udfff surrogates",
        "x" * (DEFAULT_MAX_CHARS + 5),
    ]
)
_TEXT = st.one_of(st.text(max_size=300), _SPECIAL, st.lists(_SPECIAL, max_size=4).map("".join))


def _check_signals(signals: CustomerSignals, text: str) -> None:
    for name in ("upset", "anger", "abuse", "complaint", "urgency", "politeness"):
        assert 0.0 <= getattr(signals, name) <= 1.0, name
    assert abs(sum(signals.emotion.values()) - 1.0) < 1e-6
    cleaned = clean_text(text).text
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
    result = analyze_text(text, models=table_models.models())
    signals = result.turns[0].signals
    assert isinstance(signals, CustomerSignals)
    _check_signals(signals, text)
    assert 0.0 <= result.escalation_risk <= 1.0
    json.dumps(to_jsonable(result), ensure_ascii=False).encode("utf-8")


def test_analyze_text_one_megabyte_is_truncated_and_flagged(table_models: Any) -> None:
    result = analyze_text("you useless idiots! " * 52_000, models=table_models.models())
    signals = result.turns[0].signals
    assert isinstance(signals, CustomerSignals)
    assert signals.truncated and signals.abuse > 0.5
