"""Calm requests are not read as upset, and anger is told from calm and frustration (issue 8).

Read with the real encoders and heads (slow: loads the models). The sentences are our own, not
items of the labelled sets (a spot check read "Could someone ring me on Monday about my
contract?" as upset 0.63 while the heads trained on upset customers only).
"""

from __future__ import annotations

import pytest
from test_customer_reading import signals_of

from calmdesk.analysis import ANGRY_AT, UPSET_AT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "text",
    [
        "Could someone ring me on Monday about my contract?",
        "Hi, can I move my dentist appointment to next Wednesday?",
        "Hello, do you sell gift cards in the Cardiff shop?",
        "Thanks for sorting the refund so quickly, much appreciated.",
        "Könnten Sie mir bitte sagen, wann mein Paket ankommt?",
        "Hola, ¿me podéis enviar la factura de marzo por correo? Gracias.",
        "Bonjour, je voudrais changer mon mot de passe, comment faire ?",
        "Olá, podem me ligar amanhã à tarde sobre o meu plano?",
        "Buongiorno, vorrei sapere gli orari del negozio di Torino.",
    ],
)
def test_an_ordinary_request_or_thanks_is_not_upset_or_angry(text: str) -> None:
    signals = signals_of(text)
    assert signals.upset < UPSET_AT and signals.anger < ANGRY_AT
    assert signals.abuse < 0.5 and signals.sarcasm < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "You useless thieves, give me my money back NOW!",
        "How dare you cut off my phone without a word, this is disgusting",
        "Ihr seid Betrüger, ich will sofort mein Geld zurück!",
        "Sois unos ladrones, devolvedme el dinero ya",
        "I am furious",
    ],
)
def test_hostility_aimed_at_the_company_is_anger(text: str) -> None:
    signals = signals_of(text)
    assert signals.anger >= ANGRY_AT and signals.upset >= UPSET_AT


def test_frustration_is_upset_but_less_angry_than_hostility() -> None:
    frustrated = signals_of("The app keeps logging me out, it's getting frustrating")
    hostile = signals_of("The app keeps logging me out, you useless clowns, fix it NOW")
    assert frustrated.upset >= UPSET_AT and frustrated.anger < ANGRY_AT
    assert hostile.anger >= ANGRY_AT and hostile.anger > frustrated.anger + 0.3
