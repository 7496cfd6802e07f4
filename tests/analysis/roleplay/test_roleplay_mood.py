"""The simulated customer's mood, with hand-set review verdicts (no models)."""

from __future__ import annotations

import pytest
from tests.analysis.roleplay.conftest import scripted_reader, verdicts

from calmdesk.analysis.roleplay import Session, scenario_by_id
from calmdesk.domain.errors import Conflict, MalformedInput

HELP = "I'm sorry. Here is a replacement by Friday. Does that work?"
ASK = "Could you give me your order number?"
ASK_RETURN = "Could you give me your return number?"
BOUNDARY = "I want to help, but I won't accept insults."
BLAME = "You should have ordered earlier."
LISTEN = "I understand: the kettle trips the fuse."


def _reader() -> object:
    return scripted_reader(
        {
            HELP: verdicts("P2 P3 P7 P9 P10 P12"),
            ASK: verdicts("P2 P3 P7", asks=True),
            ASK_RETURN: verdicts("P2 P3 P7", asks=True),
            BOUNDARY: verdicts("P13"),
            BLAME: verdicts("", "P2 P3 P5 P9"),
            LISTEN: verdicts("P2"),
        }
    )


def _play(scenario: str, replies: list[str], seed: int = 0) -> Session:
    session = Session(scenario_by_id(scenario), seed, reader=_reader())  # type: ignore[arg-type]
    for text in replies:
        if session.finished:
            break
        session.reply(text)
    return session


def test_session_solution_counts_only_after_the_needed_fact_was_asked() -> None:
    without = _play("late-order", [HELP, HELP])
    with_fact = _play("late-order", [ASK, HELP])
    assert "CD-48213" in with_fact.turns[2].text  # the order number is revealed when asked
    assert with_fact.outcome == "resolved"
    assert without.outcome != "resolved"
    assert "concrete_option" not in without.mood.happened


def test_session_blame_raises_upset_and_lowers_trust() -> None:
    session = _play("late-order", [BLAME])
    step = session.steps[0]
    assert step.after.upset > step.before.upset and step.after.trust < step.before.trust
    assert "blame" in step.reading.anger


def test_session_repeated_mishandling_ends_in_the_personas_way() -> None:
    assert _play("late-order", [BLAME] * 5).outcome == "abandoned"
    assert _play("manager-compensation", [BLAME] * 5).outcome == "escalated"


def test_abusive_persona_calms_only_after_a_boundary() -> None:
    no_limit = _play("abusive-refund", [ASK_RETURN] + [HELP] * 8)
    start = scenario_by_id("abusive-refund").start_upset
    assert no_limit.outcome != "resolved"
    assert all(st.after.upset >= start - 0.1 - 1e-9 for st in no_limit.steps)
    limited = _play("abusive-refund", [BOUNDARY, ASK_RETURN, HELP, HELP])
    assert limited.outcome == "resolved"


def test_asking_again_for_a_given_fact_angers() -> None:
    session = _play("late-order", [ASK, ASK])
    assert "asked_again" in session.steps[1].reading.anger


def test_empty_reply_reads_as_silence() -> None:
    session = _play("late-order", ["   "])
    assert session.steps[0].reading.anger == ("silence",)
    assert session.steps[0].after.upset > session.steps[0].before.upset


def test_session_refuses_non_text_and_replies_after_the_end() -> None:
    session = _play("late-order", [ASK, HELP])
    with pytest.raises(Conflict):
        session.reply("one more")
    with pytest.raises(MalformedInput):
        Session(scenario_by_id("late-order"), reader=_reader()).reply(42)  # type: ignore[arg-type]


def test_turn_limit_leaves_the_outcome_ongoing() -> None:
    replies = [ASK] + [LISTEN] * 20  # listens, never helps, never offends
    session = _play("faulty-kettle", replies)
    assert session.finished and session.outcome == "ongoing"
    assert len(session.steps) == scenario_by_id("faulty-kettle").max_turns
