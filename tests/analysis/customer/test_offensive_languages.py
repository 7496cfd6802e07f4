"""The customer offensive head reads insults in other languages from their characters too; it reads
character grams only for the turns it scores (those not in English), and no other head reads them.
"""

from __future__ import annotations

import numpy as np
import pytest

from calmdesk.analysis.customer import heads
from calmdesk.analysis.language import detect_language, encoder
from calmdesk.analysis.language.reading import read_cues
from calmdesk.analysis.pipeline import analyze_conversation
from calmdesk.domain import Conversation, CustomerSignals, Role, Turn

pytestmark = pytest.mark.slow

# Insults and abuse written for this test, none of them in the German cue lists (so the rules
# find nothing: it is the head's reading), beside plain German customer messages.
# The head before character grams read the first and the last below 0.5 (0.22, 0.42).
GERMAN_INSULTS = (
    "Ihr seid ein erbärmlicher Haufen hirnloser Nichtskönner.",
    "Was für ein armseliger Laden, geführt von Vollpfosten.",
    "Schämt euch, ihr ahnungslosen Schwachköpfe!",
)
MISSED_INSULT = "Du Pfeife kapierst echt gar nichts, oder?"  # 0.15 (0.06 before)
GERMAN_PLAIN = (
    "Könnten Sie mir bitte die Rechnung noch einmal per E-Mail schicken?",
    "Mein Paket ist gestern angekommen, vielen Dank für die schnelle Hilfe.",
    "Ich möchte meine Lieferadresse ändern, ich bin umgezogen.",
    "Die Bestellung ist leider immer noch nicht da, können Sie nachsehen?",
)


def _scores(texts: tuple[str, ...], **kwargs: object) -> heads.CustomerHeadScores:
    return heads.predict(list(texts), encoder.encode(list(texts)), **kwargs)  # type: ignore[arg-type]


def test_offensive_german_insults_without_listed_words_read_offensive() -> None:
    assert all(not read_cues(t, "de").abuse.spans for t in GERMAN_INSULTS)
    insults, plain = _scores(GERMAN_INSULTS).offensive, _scores(GERMAN_PLAIN).offensive
    assert (insults >= 0.5).all(), insults
    assert (plain < 0.5).all(), plain


@pytest.mark.xfail(strict=True, reason="known miss: slang insult in a question reads 0.15")
def test_offensive_a_slang_insult_in_a_question_reads_offensive() -> None:
    assert not read_cues(MISSED_INSULT, "de").abuse.spans
    assert _scores((MISSED_INSULT,)).offensive[0] >= 0.5


def test_offensive_reads_characters_only_for_the_turns_it_scores() -> None:
    texts = (*GERMAN_INSULTS[:2], "You are useless, all of you.", GERMAN_PLAIN[0])
    every = _scores(texts)
    some = _scores(texts, offensive_for=[True, False, False, True])
    assert np.isnan(some.offensive[[1, 2]]).all()
    assert np.allclose(some.offensive[[0, 3]], every.offensive[[0, 3]], atol=1e-6)
    for name in ("sarcasm", "cause", "emotion", "anger", "complaint", "politeness"):
        assert np.array_equal(getattr(some, name), getattr(every, name)), name


def test_offensive_only_the_offensive_head_has_character_weights() -> None:
    model = heads.load()
    f = model.featurizer
    assert len(f.chars) > 10_000
    at_chars = f.dim + len(f.words)
    rows = model.weights[at_chars : at_chars + len(f.chars)]
    start, end = model.columns["offensive"]
    assert np.abs(rows[:, start:end]).sum() > 0
    assert not np.delete(rows, range(start, end), axis=1).any()


def _alone(text: str) -> CustomerSignals:
    signals = (
        analyze_conversation(Conversation("de", (Turn(Role.CUSTOMER, text),))).turns[0].signals
    )
    assert isinstance(signals, CustomerSignals)
    return signals


@pytest.mark.parametrize("text", GERMAN_INSULTS)
def test_offensive_a_german_insult_turn_reads_upset_and_above_plain_turns_for_abuse(
    text: str,
) -> None:
    assert detect_language(text).code == "de"
    got = _alone(text)
    assert got.upset >= 0.5
    assert got.abuse > max(_alone(t).abuse for t in GERMAN_PLAIN) + 0.05


# The learned abuse signal (customer_signals.npz, trained on the project's labelled dev set and
# not retrained) leans little on the offensive head: measured 0.46, 0.06, 0.81 (0.30, 0.05, 0.70
# with the head before).
@pytest.mark.xfail(strict=True, reason="learned abuse reads two of the three below 0.5")
def test_offensive_every_german_insult_turn_reads_abuse() -> None:
    assert all(_alone(t).abuse >= 0.5 for t in GERMAN_INSULTS)
