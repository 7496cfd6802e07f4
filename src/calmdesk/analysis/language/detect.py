"""Which language a turn is written in, offline, with py3langid (BSD-3; model inside the wheel).

Short and ambiguous text is the hard case: "ok", "NOW", "refund pls" carry too few letters for a
character model, and py3langid then guesses among 140 languages. calmdesk reads support chats whose
default language is English, so:
- the identifier is limited to `CANDIDATES` (languages people write to a support desk in; rare
  ones such as Nigerian Pidgin would otherwise take plain English);
- a text with fewer than `MIN_LETTERS` letters, or whose best guess is weak, stays English unless
  a greeting or courtesy word of another language says otherwise ("danke", "merci", "obrigado")
  or another alphabet (Cyrillic, Greek, Arabic, CJK ...) is used;
- a short text whose best guess is an unsupported language is taken as that language only when
  the identifier is sure of it ("Dzień dobry").
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CANDIDATES",
    "DEFAULT",
    "MIN_LETTERS",
    "NAMES",
    "SUPPORTED",
    "LanguageGuess",
    "detect_language",
    "language_name",
    "load",
]

DEFAULT = "en"
SUPPORTED: tuple[str, ...] = ("en", "de", "es", "fr", "pt", "it")
"""Languages calmdesk reads: English fully, the others with their own cues and the multilingual
encoder's heads (see docs/analysis.md, "Other languages")."""

NAMES: dict[str, str] = {
    "en": "English", "de": "German", "es": "Spanish", "fr": "French", "pt": "Portuguese",
    "it": "Italian", "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "nn": "Norwegian", "fi": "Finnish", "cs": "Czech", "sk": "Slovak",
    "hu": "Hungarian", "ro": "Romanian", "tr": "Turkish", "ru": "Russian", "uk": "Ukrainian",
    "bg": "Bulgarian", "el": "Greek", "hr": "Croatian", "sr": "Serbian", "sl": "Slovenian",
    "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "ca": "Catalan", "gl": "Galician",
    "eu": "Basque", "ga": "Irish", "cy": "Welsh", "is": "Icelandic", "ar": "Arabic",
    "he": "Hebrew", "fa": "Persian", "hi": "Hindi", "bn": "Bengali", "ur": "Urdu", "zh": "Chinese",
    "ja": "Japanese", "ko": "Korean", "th": "Thai", "vi": "Vietnamese", "id": "Indonesian",
    "ms": "Malay", "tl": "Tagalog", "sw": "Swahili", "af": "Afrikaans", "sq": "Albanian",
    "mk": "Macedonian", "bs": "Bosnian", "mt": "Maltese", "lb": "Luxembourgish",
}  # fmt: skip

CANDIDATES: tuple[str, ...] = tuple(sorted(set(NAMES)))
MIN_LETTERS = 12
"""Below this many letters a Latin-script text is too short to tell: English unless a word says
otherwise."""
_SURE = 0.9  # an unsupported language is only taken from a short text at this confidence
_CONFIDENT = 0.5

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
_NON_LATIN = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u0dff\u0e00-\u0e7f"
    r"\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
)

# Words that alone say which supported language a very short message is in.
_SHORT_WORDS: dict[str, frozenset[str]] = {
    "de": frozenset(
        "hallo danke bitte nein ja genau tschüss servus moin gut schlecht sofort warum wieso "
        "leider immer noch nichts geht nicht kaputt scheiße scheisse mist frechheit unverschämt "
        "vorgesetzten vorgesetzter chef kündigen kündigung rückerstattung geld zurück".split()
    ),
    "fr": frozenset(
        "bonjour bonsoir merci salut oui non toujours rien pourquoi nul arnaque remboursement "
        "responsable annuler svp stp putain merde honte inadmissible inacceptable".split()
    ),
    "es": frozenset(
        "hola gracias vale sí nada todavía porque por qué nunca estafa reembolso gerente "
        "cancelar mierda vergüenza inaceptable ayuda favor".split()
    ),
    "pt": frozenset(
        "olá oi obrigado obrigada sim não nada ainda porquê nunca golpe reembolso gerente "
        "cancelar merda vergonha inaceitável ajuda tchau".split()
    ),
    "it": frozenset(
        "ciao grazie prego sì niente ancora perché mai truffa rimborso responsabile annullare "
        "cazzo vergogna inaccettabile aiuto".split()
    ),
}


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An ISO 639-1 code, whether calmdesk reads that language, and how sure the guess is."""

    code: str
    supported: bool
    confidence: float

    @property
    def name(self) -> str:
        return language_name(self.code)


def language_name(code: str) -> str:
    """The English name of a language code ("pl" -> "Polish"); the code itself when unknown."""
    return NAMES.get(code, code)


_lock = threading.Lock()
_identifiers: dict[str, Any] = {}


def _identifier(kind: str) -> Any:
    """The identifier over all `CANDIDATES` ("all") or over `SUPPORTED` only ("supported").

    The model file is read once (it is the slow part, an LZMA archive); the second identifier is a
    copy of the first over the same arrays, restricted to other languages."""
    with _lock:
        if kind not in _identifiers:
            if not _identifiers:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifiers["model"] = LanguageIdentifier.from_model_file(
                    MODEL_FILE, norm_probs=True
                )
            found = copy.copy(_identifiers["model"])
            found.set_languages(list(CANDIDATES if kind == "all" else SUPPORTED))
            _identifiers[kind] = found
        return _identifiers[kind]


def load() -> None:
    """Read the language model now (it is otherwise read on the first `detect_language`)."""
    _identifier("all")
    _identifier("supported")


def _guess(code: str, confidence: float) -> LanguageGuess:
    code = "no" if code == "nn" else code
    return LanguageGuess(code, code in SUPPORTED, round(float(confidence), 4))


def _short_word_language(text: str) -> str | None:
    words = {w.lower() for w in _WORDS.findall(text)}
    hits = {code: len(words & vocab) for code, vocab in _SHORT_WORDS.items()}
    best = max(hits, key=lambda c: hits[c])
    return best if hits[best] else None


def detect_language(text: str) -> LanguageGuess:
    """The language of `text` (cleaned text); short or ambiguous text stays English."""
    sample = text[:2000]
    letters = len(_LETTER.findall(sample))
    if letters == 0:
        return LanguageGuess(DEFAULT, True, 0.0)
    non_latin = len(_NON_LATIN.findall(sample))
    code, confidence = _identifier("all").classify(sample)
    if non_latin * 2 >= letters:  # another alphabet: trust the identifier whatever the length
        return _guess(code, confidence)
    word = _short_word_language(sample)
    if letters < MIN_LETTERS or confidence < _CONFIDENT:
        if word is not None:
            return LanguageGuess(word, True, round(float(confidence), 4))
        if code not in SUPPORTED and confidence >= _SURE:
            return _guess(code, confidence)
        supported_code, supported_confidence = _identifier("supported").classify(sample)
        if supported_code != DEFAULT and code == supported_code and confidence >= 0.3:
            return _guess(code, confidence)
        return LanguageGuess(DEFAULT, True, round(float(supported_confidence), 4))
    return _guess(code, confidence)
