"""Safe markup for the console: highlighted spans in customer text and the upset chart.

Highlighting never trusts the text: every piece of it goes through `escape`, and only the `<mark>`
tags this module writes are left as markup. Spans whose offsets do not fit the text are dropped,
and overlapping spans keep the first (abuse wins over requests because it is listed first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

__all__ = ["Highlight", "UpsetChart", "highlight", "spans_from_signals", "upset_chart"]


@dataclass(frozen=True, slots=True)
class Highlight:
    """Characters [start, end) to mark, with a CSS class and a tooltip."""

    start: int
    end: int
    css: str
    title: str


def spans_from_signals(signals: Mapping[str, Any] | None) -> list[Highlight]:
    """Abuse spans, then threats, then requests, from a stored customer-signals dict."""
    if not signals:
        return []
    found = [
        _hl(s, "abuse", f"abuse: {s.get('label') or 'abusive'}")
        for s in _seq(signals, "abuse_spans")
    ]
    for key, css in (("threats", "mention mention--threat"), ("requests", "mention")):
        for mention in _seq(signals, key):
            span = mention.get("span") if isinstance(mention, Mapping) else None
            label = str(mention.get("kind", key)).replace("_", " ") if span else ""
            found.append(_hl(span, css, f"{key[:-1]}: {label}"))
    return [h for h in found if h is not None]


def highlight(text: str, spans: Iterable[Highlight]) -> Markup:
    """The text, escaped, with each usable span wrapped in `<mark>`."""
    out: list[str] = []
    pos = 0
    for span in _usable(text, spans):
        out.append(str(escape(text[pos : span.start])))
        out.append(
            f'<mark class="{escape(span.css)}" title="{escape(span.title)}">'
            f"{escape(text[span.start : span.end])}</mark>"
        )
        pos = span.end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def _usable(text: str, spans: Iterable[Highlight]) -> list[Highlight]:
    kept: list[Highlight] = []
    for span in spans:
        if not 0 <= span.start < span.end <= len(text):
            continue
        if any(span.start < k.end and k.start < span.end for k in kept):
            continue
        kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def _seq(signals: Mapping[str, Any], key: str) -> list[Any]:
    value = signals.get(key)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _hl(span: Any, css: str, title: str) -> Highlight | None:
    if not isinstance(span, Mapping):
        return None
    start, end = span.get("start"), span.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    return Highlight(start, end, css, title)


@dataclass(frozen=True, slots=True)
class UpsetChart:
    """Coordinates for a small inline SVG of upset (0-1) over the customer's turns."""

    width: int
    height: int
    line: str
    area: str
    dots: tuple[tuple[float, float, int], ...]  # x, y, percent
    grid: tuple[float, ...]


def upset_chart(values: Sequence[float], width: int = 300, height: int = 90) -> UpsetChart | None:
    """None when there is nothing to draw; one value is drawn as a flat line."""
    clean = [min(1.0, max(0.0, float(v))) for v in values if isinstance(v, int | float)]
    if not clean:
        return None
    pad, left = 8.0, 34.0  # room on the left for the 0% and 100% labels
    inner_w, inner_h = width - left - pad, height - 2 * pad
    step = inner_w / (len(clean) - 1) if len(clean) > 1 else 0.0
    points = [
        (left + i * step if step else left + inner_w / 2, pad + (1 - v) * inner_h)
        for i, v in enumerate(clean)
    ]
    if len(points) == 1:
        points = [(left, points[0][1]), points[0], (width - pad, points[0][1])]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    base = height - pad
    area = f"M{points[0][0]:.1f},{base:.1f} L" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area += f" L{points[-1][0]:.1f},{base:.1f} Z"
    dot_points = points[1:2] if len(clean) == 1 else points
    dots = tuple(
        (round(x, 1), round(y, 1), round(v * 100))
        for (x, y), v in zip(dot_points, clean, strict=False)
    )
    grid = tuple(round(pad + f * inner_h, 1) for f in (0.0, 0.5, 1.0))
    return UpsetChart(width, height, line, area, dots, grid)
