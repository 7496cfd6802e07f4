"""The learned reply signals: each read from the reply with the customer turn it answers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from reply_personas import ANGRY_LATE

from calmdesk.analysis.language import encoder
from calmdesk.analysis.reply import model
from calmdesk.analysis.reply.signals import RULE_FLOOR, combine
from calmdesk.domain import CheckStatus, ModelUnavailable, Role, Turn, TurnAnalysis

WEDDING = ["My dress was due on Monday and it still isn't here. The wedding is tomorrow."]
LATE_FEE = ["Why was I charged a £12 late fee? I paid on the due date."]
SOAKED = ["The courier left my parcel out in the rain and the book inside is completely soaked."]


def one(reply: str, context: list[str]) -> dict[str, float]:
    return model.score_replies([reply], [context])[0]


def test_an_empathic_reply_without_the_usual_words_scores_empathic() -> None:
    empathic = one("That sounds incredibly stressful, with the wedding tomorrow.", WEDDING)
    policy = one("Deliveries are dispatched in line with our standard shipping policy.", WEDDING)
    assert empathic["empathy"] >= 0.5
    assert policy["empathy"] < 0.5
    assert empathic["empathy"] > policy["empathy"] + 0.3


def test_a_policy_statement_is_not_empathy_apology_or_reflection() -> None:
    scores = one("The fee is in line with our terms and conditions.", LATE_FEE)
    assert scores["empathy"] < 0.5 and scores["apology"] < 0.5
    assert scores["reflection"] < 0.5 and scores["offers_solution"] < 0.5


def test_apology_is_read_with_and_without_the_word_sorry() -> None:
    sorry = one("I'm so sorry about the fee, that should not have happened.", LATE_FEE)
    assert sorry["apology"] >= 0.5
    plain = one("The late fee was applied automatically at midnight.", LATE_FEE)
    assert plain["apology"] < 0.5


@pytest.mark.xfail(
    strict=True,
    reason="known regression of the multilingual encoder's reply heads (adopted for speed in "
    "issue 8 item 6): this reflection scores 0.25, against 0.63 with all-MiniLM-L6-v2, although "
    "reflection's ROC AUC rose (dev CV 0.887 -> 0.922, test 0.903 -> 0.934); see docs/models.md",
)
def test_reflection_depends_on_what_the_customer_said() -> None:
    reply = "So the book arrived soaked because the parcel was left out in the rain - not on."
    here = one(reply, SOAKED)
    elsewhere = one(reply, LATE_FEE)
    generic = one("Thanks for getting in touch with us today.", SOAKED)
    assert here["reflection"] >= 0.5
    assert here["reflection"] > elsewhere["reflection"]
    assert generic["reflection"] < 0.5


def test_a_question_is_found_with_or_without_a_question_mark() -> None:
    asked = one("Please let me know which address you would like the new one sent to.", SOAKED)
    told = one("I've sent a replacement copy of the book today.", SOAKED)
    assert asked["asks_question"] >= 0.5
    assert told["asks_question"] < 0.5
    assert told["offers_solution"] >= 0.5


def test_blame_and_politeness_of_a_curt_reply() -> None:
    curt = one("As I already said, you should have read the email we sent you.", LATE_FEE)
    kind = one("Thank you for flagging this. I've refunded the £12 fee to your card.", LATE_FEE)
    assert curt["blame"] >= 0.5 and kind["blame"] < 0.5
    assert kind["politeness"] > curt["politeness"]


def test_scores_use_the_vectors_given_and_encode_only_the_rest() -> None:
    reply = "I've refunded the fee."
    calls: list[list[str]] = []

    def counting(texts):
        calls.append(list(texts))
        return encoder.encode(list(texts))

    known = {reply: encoder.encode([reply])[0]}
    model.score_replies([reply], [LATE_FEE], vectors=known, encode=counting)
    assert calls == [LATE_FEE]


def test_the_review_checks_use_the_learned_scores(review) -> None:
    draft = "That sounds incredibly stressful, with the wedding tomorrow."
    turn = Turn(Role.CUSTOMER, WEDDING[0])
    result = model_review(draft, turn)
    p3 = next(c for c in result.checks if c.check == "P3")
    assert p3.status is CheckStatus.PASS
    cold = model_review("Deliveries are dispatched in line with our shipping policy.", turn)
    assert next(c for c in cold.checks if c.check == "P3").status is CheckStatus.FAIL
    assert review("Calm down, you should have read the terms.", ANGRY_LATE).blame >= 0.5


def model_review(draft: str, turn: Turn):
    from calmdesk.analysis.reply import review_draft

    return review_draft(draft, [turn], [TurnAnalysis(Role.CUSTOMER, None)])


def test_combine_raises_the_learned_score_only_where_the_rule_is_explicit() -> None:
    learned = dict.fromkeys(model.SIGNALS, 0.2)
    rules = dict.fromkeys(model.SIGNALS, 1.0)
    out = combine(learned, rules)
    for name in model.SIGNALS:
        assert out[name] == (1.0 if RULE_FLOOR[name] <= 1.0 else 0.2), name
    assert combine(learned, dict.fromkeys(model.SIGNALS, 0.0)) == learned


def test_score_replies_rejects_mismatched_inputs() -> None:
    from calmdesk.domain import MalformedInput

    with pytest.raises(MalformedInput):
        model.score_replies(["a", "b"], [[]])


def test_a_missing_or_foreign_artefact_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable):
        model.load(tmp_path / "absent.npz")
    bad = tmp_path / "bad.npz"
    np.savez(bad, meta=np.array('{"signals": ["x"]}'), mean=np.zeros(1))
    with pytest.raises(ModelUnavailable):
        model.load(bad)


def test_the_artefact_is_small_and_loads_without_pickle() -> None:
    assert model.ARTEFACT.stat().st_size <= 25 * 1024 * 1024
    with np.load(model.ARTEFACT, allow_pickle=False) as z:
        assert z["weights"].shape[1] == len(model.SIGNALS)


def _offline() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    pytest.skip("no network namespace available here")


def test_the_reply_heads_load_and_score_with_no_network() -> None:
    code = (
        "from calmdesk.analysis.reply import model; "
        "r = model.score_replies(['I am so sorry your order is late again.'], [['late again']]); "
        "print(round(r[0]['apology'], 3))"
    )
    out = subprocess.run(
        [*_offline(), sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert 0.5 <= float(out.stdout.strip()) <= 1.0


def test_analyze_reports_blame_and_reflection_on_agent_turns() -> None:
    from calmdesk.analysis import analyze_conversation
    from calmdesk.analysis.wire import analysis_record
    from calmdesk.domain import Conversation

    turns = (
        Turn(Role.CUSTOMER, SOAKED[0]),
        Turn(Role.AGENT, "As I already said, you should have chosen a safe place for the parcel."),
        Turn(Role.CUSTOMER, "Unbelievable. The book is ruined."),
        Turn(Role.AGENT, "I'm sorry the book arrived soaked; I've sent a new copy today."),
    )
    record = analysis_record(analyze_conversation(Conversation("rain", turns)))
    blaming, helpful = record["turns"][1]["signals"], record["turns"][3]["signals"]
    for signals in (blaming, helpful):
        assert {"empathy", "apology", "reflection", "asks_question", "offers_solution"} <= set(
            signals
        )
        assert {"blame", "politeness", "review"} <= set(signals)
    assert blaming["blame"] >= 0.5 > helpful["blame"]
    assert helpful["reflection"] > blaming["reflection"]
    assert helpful["review"]["blame"] == helpful["blame"]
