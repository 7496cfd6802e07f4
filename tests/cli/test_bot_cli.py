"""`calmdesk kb import|search` and `calmdesk bot ask`: the contract, JSON Lines, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from calmdesk.cli import app
from calmdesk.storage import make_engine, make_session_factory
from calmdesk.storage.kb import KbArticle

runner = CliRunner()
DEMO_KB = Path(__file__).resolve().parents[2] / "src" / "calmdesk" / "demo" / "kb"
ABCD = Path(__file__).resolve().parents[3] / "shared" / "data" / "abcd"
CONTRACT = {"answer", "articles", "confidence", "handoff", "reason"}


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CALMDESK_DATABASE_URL", url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return url


def _articles(url: str) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        found = int(session.scalar(select(func.count()).select_from(KbArticle)) or 0)
    engine.dispose()
    return found


def test_kb_import_loads_the_folder_and_reimport_changes_nothing(db: str) -> None:
    first = runner.invoke(app, ["kb", "import", str(DEMO_KB)])
    again = runner.invoke(app, ["kb", "import", str(DEMO_KB)])
    count = len(list(DEMO_KB.glob("*.md")))
    assert first.exit_code == 0 and f"{count} new" in first.output
    assert again.exit_code == 0 and f"{count} unchanged" in again.output
    assert _articles(db) == count


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("broken.md", "---\ntitle: [oops\n---\nBody"),
        ("script.md", "---\ntitle: T\n---\n<script>alert(1)</script>"),
        ("huge.md", "---\ntitle: T\n---\n" + "word " * 30_000),
        ("nofront.md", "Just text, no front matter."),
    ],
)
def test_kb_import_with_one_bad_article_loads_nothing(
    db: str, tmp_path: Path, name: str, text: str
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    for good in sorted(DEMO_KB.glob("*.md"))[:3]:
        (folder / good.name).write_text(good.read_text("utf-8"))
    (folder / name).write_text(text)
    result = runner.invoke(app, ["kb", "import", str(folder)])
    assert result.exit_code == 2 and result.output.startswith("E901: ")
    assert name in result.output and "nothing was loaded" in result.output
    assert "Traceback" not in result.output
    assert _articles(db) == 0


def test_kb_import_of_a_missing_folder_is_a_clear_error(db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["kb", "import", str(tmp_path / "nope")])
    assert result.exit_code == 2 and result.output.startswith("E902: ")


@pytest.mark.skipif(not ABCD.is_dir(), reason="../shared/data/abcd is not here")
def test_kb_import_reads_the_abcd_guidelines(db: str) -> None:
    result = runner.invoke(app, ["kb", "import", "--abcd", str(ABCD)])
    assert result.exit_code == 0, result.output
    assert _articles(db) > 20


@pytest.mark.slow
def test_kb_search_prints_the_best_articles_as_json() -> None:
    result = runner.invoke(
        app, ["kb", "search", "where is my parcel", "--kb", str(DEMO_KB), "--json", "--limit", "2"]
    )
    rows = json.loads(result.output)
    assert result.exit_code == 0 and len(rows) == 2
    assert rows[0]["id"] == "order-tracking" and rows[0]["passage"]


@pytest.mark.slow
def test_bot_ask_answers_in_the_contract_shape() -> None:
    result = runner.invoke(
        app,
        ["bot", "ask", "--kb", str(DEMO_KB), "--json", "--text", "How long does a refund take?"],
    )
    reply = json.loads(result.output)
    assert result.exit_code == 0 and set(reply) == CONTRACT
    assert reply["handoff"] is False and reply["reason"] == "answered"
    assert reply["articles"][0]["id"] == "refund-timing"
    assert set(reply["articles"][0]) == {"id", "title", "score"}
    assert 0 < reply["confidence"] <= 1 and "5 business days" in reply["answer"]


@pytest.mark.slow
def test_bot_ask_hands_off_a_question_no_article_answers() -> None:
    result = runner.invoke(
        app,
        [
            "bot",
            "ask",
            "--kb",
            str(DEMO_KB),
            "--json",
            "--text",
            "What is the weather in Paris tomorrow?",
        ],
    )
    reply = json.loads(result.output)
    assert reply["handoff"] is True and reply["reason"] in ("out_of_scope", "low_confidence")


@pytest.mark.slow
def test_bot_ask_reads_json_lines_and_answers_each_last_customer_turn() -> None:
    lines = [
        {"id": "a", "turns": [{"role": "customer", "text": "Can I pay with PayPal?"}]},
        {
            "id": "b",
            "turns": [
                {"role": "customer", "text": "hi"},
                {"role": "bot", "text": "Hi!"},
                {"role": "customer", "text": "Get me a human now"},
            ],
        },
        {"id": "c", "tier": "gold", "turns": [{"role": "customer", "text": "Where is my parcel?"}]},
        {
            "id": "d",
            "blocked": True,
            "turns": [{"role": "customer", "text": "Where is my parcel?"}],
        },
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + '\nnot json\n{"id": "e"}\n'
    result = runner.invoke(app, ["bot", "ask", "--kb", str(DEMO_KB)], input=stdin)
    out = [json.loads(x) for x in result.output.splitlines()]
    assert result.exit_code == 0 and len(out) == 6
    assert all(set(o) == CONTRACT for o in out[:4])
    assert out[0]["articles"][0]["id"] == "payment-methods" and not out[0]["handoff"]
    assert (out[1]["handoff"], out[1]["reason"]) == (True, "asks_for_person")
    assert (out[2]["handoff"], out[2]["reason"]) == (True, "high_tier")
    assert (out[3]["answer"], out[3]["reason"]) == ("", "blocked")
    assert out[4]["error"].startswith("E103") and out[5]["id"] == "e" and "turns" in out[5]["error"]


def test_bot_ask_refuses_an_empty_question() -> None:
    result = runner.invoke(app, ["bot", "ask", "--kb", str(DEMO_KB), "--text", "   "])
    assert result.exit_code == 2 and result.output.startswith("E101: ")


def test_bot_enable_turns_the_bot_on_and_off_for_chats_without_a_team(db: str) -> None:
    from calmdesk.storage.kb import BotTeamSetting

    on = runner.invoke(app, ["bot", "enable", "--who", "Our team", "--when", "within 1 hour"])
    assert on.exit_code == 0 and "on for chats without a team" in on.output
    off = runner.invoke(app, ["bot", "enable", "--off"])
    assert off.exit_code == 0 and "off" in off.output
    engine = make_engine(db)
    with make_session_factory(engine)() as session:
        [row] = session.scalars(select(BotTeamSetting)).all()
        assert (row.team_id, row.enabled) == (None, False)
    engine.dispose()


def test_bot_enable_and_kb_editor_name_what_is_missing(db: str) -> None:
    team = runner.invoke(app, ["bot", "enable", "--team", "Nope"])
    user = runner.invoke(app, ["kb", "editor", "nobody"])
    assert team.exit_code == 2 and team.output.startswith("E201: ") and "Nope" in team.output
    assert user.exit_code == 2 and user.output.startswith("E201: ")
    bad = runner.invoke(app, ["bot", "enable", "--threshold", "3"])
    assert bad.exit_code == 2 and "between 0 and 1" in bad.output
