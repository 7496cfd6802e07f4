"""Language of a turn: py3langid offline, short English stays English, other languages flagged."""

from __future__ import annotations

import pytest

from calmdesk.analysis.language import SUPPORTED, detect_language, language_name
from calmdesk.analysis.language.reading import read_cues
from calmdesk.domain import AbuseKind, MentionKind


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ich möchte sofort mit Ihrem Vorgesetzten sprechen, das ist eine Frechheit!", "de"),
        ("Je veux parler à un responsable, ma commande n'est toujours pas arrivée.", "fr"),
        ("Quiero hablar con el gerente, llevo tres semanas esperando.", "es"),
        ("Quero falar com o gerente, meu pedido ainda não chegou.", "pt"),
        ("Voglio parlare con il responsabile, il pacco non è mai arrivato.", "it"),
        ("Where is my parcel? It was due on Monday.", "en"),
    ],
)
def test_language_of_a_full_sentence(text: str, code: str) -> None:
    found = detect_language(text)
    assert found.code == code and found.supported


@pytest.mark.parametrize(
    "text", ["ok", "NOW", "refund pls", "wtf", "lol no", "Thx", "???", "#4411", "no", "🙄🙄"]
)
def test_language_short_or_ambiguous_text_stays_english(text: str) -> None:
    found = detect_language(text)
    assert found.code == "en" and found.supported


@pytest.mark.parametrize(("text", "code"), [("danke", "de"), ("merci", "fr"), ("obrigado", "pt")])
def test_language_a_short_courtesy_word_names_its_language(text: str, code: str) -> None:
    assert detect_language(text).code == code


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        ("Gdzie jest moje zamówienie? Czekam już dwa tygodnie.", "pl", "Polish"),
        ("Waar is mijn bestelling? Ik wacht al twee weken.", "nl", "Dutch"),
        ("Siparişim nerede? İki haftadır bekliyorum.", "tr", "Turkish"),
        ("Где мой заказ?", "ru", "Russian"),
        ("我的订单在哪里", "zh", "Chinese"),
    ],
)
def test_language_unsupported_languages_are_named_and_flagged(
    text: str, code: str, name: str
) -> None:
    found = detect_language(text)
    assert (found.code, found.supported, found.name) == (code, False, name)
    assert code not in SUPPORTED and language_name(code) == name


def test_language_empty_or_symbol_text_is_english_by_default() -> None:
    assert detect_language("").code == "en"
    assert detect_language("!!! ... 123").code == "en"


@pytest.mark.parametrize(
    ("text", "code", "kind"),
    [
        ("Ich will sofort mit Ihrem Vorgesetzten sprechen!", "de", MentionKind.SUPERVISOR),
        ("Holen Sie mir Ihren Chef ans Telefon.", "de", MentionKind.SUPERVISOR),
        ("Je veux parler à votre responsable.", "fr", MentionKind.SUPERVISOR),
        ("Páseme con el encargado, por favor.", "es", MentionKind.SUPERVISOR),
        ("Quero falar com o gerente agora.", "pt", MentionKind.SUPERVISOR),
        ("Mi passi il responsabile.", "it", MentionKind.SUPERVISOR),
        ("Ich will mein Geld zurück.", "de", MentionKind.REFUND),
        ("Je vais résilier mon abonnement.", "fr", MentionKind.CANCEL),
    ],
)
def test_cues_find_requests_in_other_languages(text: str, code: str, kind: MentionKind) -> None:
    assert kind in [m.kind for m in read_cues(text, code).requests]


@pytest.mark.parametrize(
    ("text", "code", "kind"),
    [
        ("Dann schalte ich meinen Anwalt ein.", "de", MentionKind.LEGAL),
        ("Ich lasse die Lastschrift zurückbuchen.", "de", MentionKind.CHARGEBACK),
        ("Voy a poner una reseña en Google.", "es", MentionKind.PUBLIC_REVIEW),
        ("Je vais contester le prélèvement auprès de ma banque.", "fr", MentionKind.CHARGEBACK),
        ("Vou reclamar no Reclame Aqui e no Procon.", "pt", MentionKind.PUBLIC_REVIEW),
        ("Vi denuncio, chiamo il mio avvocato.", "it", MentionKind.LEGAL),
    ],
)
def test_cues_find_threats_in_other_languages(text: str, code: str, kind: MentionKind) -> None:
    assert kind in [m.kind for m in read_cues(text, code).threats]


def test_cues_skip_negated_requests_and_find_abuse_with_spans() -> None:
    assert read_cues("Ich möchte nicht kündigen.", "de").requests == []
    found = read_cues("Ihr seid doch alle Idioten und Betrüger!", "de").abuse
    assert AbuseKind.INSULT in found.kinds
    assert [s.text for s in found.spans] == ["Idioten", "Betrüger"]


def test_cues_waiting_and_thanks_in_other_languages() -> None:
    assert read_cues("Ist da jemand? Ich warte seit Stunden.", "de").waiting >= 0.5
    assert read_cues("Sigo esperando, nadie me responde.", "es").waiting >= 0.5
    assert read_cues("Merci beaucoup, c'est parfait.", "fr").gratitude >= 0.5


def test_cues_find_nothing_for_english_or_unsupported_languages() -> None:
    assert read_cues("get me your manager", "en").requests == []
    assert read_cues("Chcę rozmawiać z kierownikiem", "pl").requests == []
