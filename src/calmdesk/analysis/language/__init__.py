"""Other languages: which language a turn is in, its own cues, and the multilingual encoder.

`detect_language` names the language (py3langid, offline); `reading.read_cues` finds requests,
threats, abuse and tone in German, Spanish, French, Portuguese and Italian; `encoder` is the
multilingual sentence encoder whose heads (`analysis.customer.heads`) score turns not in English.
"""

from calmdesk.analysis.language.detect import (
    SUPPORTED,
    LanguageGuess,
    detect_language,
    language_name,
)

__all__ = ["SUPPORTED", "LanguageGuess", "detect_language", "language_name"]
