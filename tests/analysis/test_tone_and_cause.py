from __future__ import annotations

import numpy as np
import pytest

from calmdesk.analysis import guess_cause, read_tone
from calmdesk.analysis.cause import PROTOTYPES
from calmdesk.domain import Cause


def test_read_tone_sees_shouting_and_exclamation() -> None:
    loud = read_tone("WHERE IS MY ORDER!!! THIS IS UNACCEPTABLE")
    calm = read_tone("Where is my order? I ordered it on Monday.")
    assert loud.shouting > 0.8 and loud.exclaiming > 0.5 and loud.negative > 0.5
    assert calm.shouting == 0.0 and calm.exclaiming == 0.0


def test_read_tone_ignores_acronyms_when_judging_shouting() -> None:
    assert read_tone("My DHL parcel is stuck somewhere in the UK for a week").shouting == 0.0


@pytest.mark.parametrize(
    ("text", "grateful"),
    [
        ("thanks, that solved it", True),
        ("Thank you so much, works now", True),
        ("that has not been solved at all", False),
        ("I'm not grateful in the slightest", False),
    ],
)
def test_read_tone_reads_gratitude_but_not_its_negation(text: str, grateful: bool) -> None:
    assert (read_tone(text).gratitude >= 0.5) is grateful


@pytest.mark.parametrize(
    "text", ["I need this fixed today, urgently", "I have no heating and a baby at home"]
)
def test_read_tone_reads_urgency(text: str) -> None:
    assert read_tone(text).urgency >= 0.4
    assert read_tone("I have a question about my plan").urgency == 0.0


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("My order still has not arrived, it is two weeks late", Cause.DELIVERY_DELAY),
        ("The blender arrived broken and the lid is cracked", Cause.DEFECT),
        ("You charged me twice this month", Cause.BILLING),
        ("The internet keeps going down every evening", Cause.SERVICE_FAILURE),
        ("I'm locked out and the password reset link never comes", Cause.ACCOUNT_ACCESS),
        ("It is not what was advertised, you promised installation", Cause.EXPECTATIONS),
        ("Nobody told me and every agent gives a different answer", Cause.COMMUNICATION),
    ],
)
def test_guess_cause_from_keywords(text: str, cause: Cause) -> None:
    guess = guess_cause(text, complaint=0.9)
    assert guess.cause is cause
    assert 0.3 <= guess.confidence <= 1.0


@pytest.mark.parametrize(("complaint", "cause"), [(0.9, Cause.OTHER), (0.1, Cause.NONE)])
def test_guess_cause_without_evidence_is_other_or_none(complaint: float, cause: Cause) -> None:
    assert guess_cause("Hello there, quick one for you", complaint).cause is cause


def test_guess_cause_uses_embedding_similarity_to_prototypes() -> None:
    causes = list(PROTOTYPES)
    per_cause = len(next(iter(PROTOTYPES.values())))

    def encode(texts: object) -> np.ndarray:  # one axis per cause: prototypes point along theirs
        eye = np.eye(len(causes), 384, dtype=np.float32)
        return np.repeat(eye, per_cause, axis=0)

    vector = np.eye(len(causes), 384, dtype=np.float32)[causes.index(Cause.BILLING)]
    guess = guess_cause("it is wrong again", 0.9, vector, encode)
    assert guess.cause is Cause.BILLING
