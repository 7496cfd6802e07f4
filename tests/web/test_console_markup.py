"""Highlighted customer text is built from escaped pieces; the upset chart is drawn from numbers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from calmdesk.web.markup import Highlight, highlight, spans_from_signals, upset_chart


class _Tags(HTMLParser):
    """Collects start tags and the text inside <mark> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.marked: list[str] = []
        self.text: list[str] = []
        self._in_mark = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_mark += tag == "mark"

    def handle_endtag(self, tag):
        self._in_mark -= tag == "mark"

    def handle_data(self, data):
        self.text.append(data)
        if self._in_mark:
            self.marked.append(data)


def _parse(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>window.__xss=1</script>",
        '"><img src=x onerror=alert(1)>',
        "<svg onload=alert(1)>",
        "&lt;b&gt; already escaped &amp;",
        "javascript:alert(1)",
    ],
)
def test_highlight_escapes_every_piece_of_hostile_text(hostile) -> None:
    text = f"you idiot {hostile} fix it"
    spans = [
        Highlight(4, 9, "abuse", f"abuse: {hostile}"),
        Highlight(10, 10 + len(hostile), "mention", "x"),
    ]
    parsed = _parse(str(highlight(text, spans)))
    assert [tag for tag, _ in parsed.tags] == ["mark", "mark"]
    assert "".join(parsed.text) == text
    assert parsed.tags[0][1]["title"] == f"abuse: {hostile}"


def test_highlight_marks_exactly_the_span_text() -> None:
    parsed = _parse(
        str(highlight("this is useless garbage", [Highlight(8, 23, "abuse", "insult")]))
    )
    assert parsed.marked == ["useless garbage"]
    assert parsed.tags == [("mark", {"class": "abuse", "title": "insult"})]


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([Highlight(-1, 3, "a", "")], []),
        ([Highlight(3, 3, "a", "")], []),
        ([Highlight(2, 99, "a", "")], []),
        ([Highlight(0, 4, "a", ""), Highlight(2, 6, "b", "")], ["abcd"]),
        ([Highlight(6, 8, "a", ""), Highlight(0, 2, "b", "")], ["ab", "gh"]),
    ],
)
def test_highlight_drops_spans_that_do_not_fit_or_overlap(spans, expected) -> None:
    assert _parse(str(highlight("abcdefgh", spans))).marked == expected


def test_spans_from_signals_orders_abuse_then_threats_then_requests() -> None:
    signals = {
        "abuse_spans": [{"start": 0, "end": 5, "text": "idiot", "label": "insult"}],
        "threats": [
            {"kind": "legal", "span": {"start": 10, "end": 14, "text": "sue", "label": ""}}
        ],
        "requests": [{"kind": "supervisor", "span": {"start": 20, "end": 27, "text": "manager"}}],
    }
    found = spans_from_signals(signals)
    assert [(h.css, h.title) for h in found] == [
        ("abuse", "abuse: insult"),
        ("mention mention--threat", "threat: legal"),
        ("mention", "request: supervisor"),
    ]


@pytest.mark.parametrize(
    "signals",
    [
        None,
        {},
        {"abuse_spans": "nope"},
        {"abuse_spans": [{"start": "0", "end": 2}]},
        {"requests": [1, None]},
    ],
)
def test_spans_from_signals_ignores_malformed_data(signals) -> None:
    assert spans_from_signals(signals) == []


def test_upset_chart_maps_values_to_points_top_is_most_upset() -> None:
    chart = upset_chart([0.0, 0.5, 1.0], width=100, height=50)
    assert chart is not None
    ys = [y for _, y, _ in chart.dots]
    assert ys[0] > ys[1] > ys[2]
    assert [pct for *_, pct in chart.dots] == [0, 50, 100]
    assert chart.area.startswith("M") and chart.area.endswith("Z")


@pytest.mark.parametrize(("values", "dots"), [([0.4], 1), ([2.0, -1.0], 2)])
def test_upset_chart_clamps_and_handles_a_single_turn(values, dots) -> None:
    chart = upset_chart(values)
    assert chart is not None and len(chart.dots) == dots
    assert all(0 <= pct <= 100 for *_, pct in chart.dots)


def test_upset_chart_is_none_without_values() -> None:
    assert upset_chart([]) is None


@pytest.mark.parametrize(
    ("emotion", "upset", "shown"),
    [
        ({"neutral": 0.6, "anger": 0.3}, 0.1, "neutral"),
        ({"neutral": 0.6, "anger": 0.3, "sadness": 0.1}, 0.8, "anger"),
        ({"frustration": 0.7, "neutral": 0.3}, 0.0, "frustration"),
        ({"satisfaction": 0.5, "neutral": 0.3, "sadness": 0.2}, 0.7, "sadness"),
        ({"satisfaction": 0.5, "neutral": 0.5}, 0.2, "satisfaction"),
        ({"neutral": 1.0}, 0.9, "neutral"),
        (None, 0.9, "neutral"),
        ({"neutral": "high"}, 0.5, "neutral"),
    ],
)
def test_top_emotion_never_calls_an_upset_customer_neutral_or_satisfied(
    emotion, upset, shown
) -> None:
    from calmdesk.web.console.view import top_emotion

    assert top_emotion(emotion, upset) == shown
