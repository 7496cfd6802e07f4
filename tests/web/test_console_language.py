"""The console says when a customer turn's language is not read: "analysis limited: Polish"."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from tests.web.console_support import parse

from calmdesk.web.console.view import turn_view
from calmdesk.web.pages import templates

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
POLISH = {
    "upset": 0.4, "anger": 0.2, "abuse": 0.0, "emotion": {"neutral": 0.6, "frustration": 0.4},
    "cause": "none", "language": "pl", "language_supported": False,
}  # fmt: skip


def _view(signals: dict[str, object]) -> object:
    return turn_view(
        7,
        "customer",
        "Ola",
        "Gdzie jest moja paczka?",
        AT,
        ZoneInfo("Europe/Warsaw"),
        signals,
        None,
    )


def test_an_unsupported_language_is_named_on_the_turn() -> None:
    assert _view(POLISH).limited == "Polish"  # type: ignore[attr-defined]
    assert _view(POLISH | {"language": "de", "language_supported": True}).limited == ""  # type: ignore[attr-defined]
    assert _view({k: v for k, v in POLISH.items() if k != "language_supported"}).limited == ""  # type: ignore[attr-defined]


def test_the_transcript_shows_analysis_limited_for_that_turn() -> None:
    convo = SimpleNamespace(id=3, last_id=7, turns=[_view(POLISH)], channels={})
    html = templates.get_template("_partials/transcript.html").render(convo=convo)
    chips = [" ".join(c.text.split()) for c in parse(html).find_all("span", class_="chip")]
    assert "analysis limited: Polish" in chips


def test_a_supported_turn_has_no_limited_chip() -> None:
    view = _view(POLISH | {"language": "fr", "language_supported": True})
    convo = SimpleNamespace(id=3, last_id=7, turns=[view], channels={})
    html = templates.get_template("_partials/transcript.html").render(convo=convo)
    assert "analysis limited" not in html


def test_stored_signals_keep_language_sarcasm_and_waiting() -> None:
    from calmdesk.analysis.qa.decode import stored_customer_signals as signals_from_json
    from calmdesk.domain import CustomerSignals, to_jsonable

    signals = CustomerSignals(
        upset=0.7, anger=0.3, abuse=0.0, complaint=0.8, urgency=0.5, politeness=0.4,
        emotion={"frustration": 1.0}, sarcasm=0.7, waiting=0.6, language="pl",
        language_supported=False, mention_scores={"manager": 0.8, "legal": 0.1},
    )  # fmt: skip
    assert signals_from_json(to_jsonable(signals)) == signals
