"""Make any incoming text safe to analyse: one Unicode form, no control characters, bounded length.

Every span that the analysis reports indexes into the text returned here (`CleanText.text`), not
into the raw input: the raw input may hold characters that were removed or replaced.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from calmdesk.domain.errors import MalformedInput, UnsupportedValue

__all__ = ["DEFAULT_MAX_CHARS", "CleanText", "clean_text"]

DEFAULT_MAX_CHARS = 20_000

# C0/C1 controls except tab and newline, plus invisible format characters that only hide or
# reorder text (zero-width space, bidi embeddings and overrides, isolates, byte-order mark).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")
_SPACE_RUNS = re.compile("[ \t]{3,}")


@dataclass(frozen=True, slots=True)
class CleanText:
    """Text ready for the analysis, and whether it was cut to the length limit."""

    text: str
    truncated: bool = False


def _as_str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInput("The text is binary or not UTF-8; send UTF-8 text.") from exc
    raise MalformedInput(f"Expected text (a string); got {type(value).__name__}.")


def _fix_surrogates(text: str) -> str:
    """Join valid surrogate pairs and replace lone surrogates with U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clean_text(value: object, max_chars: int = DEFAULT_MAX_CHARS) -> CleanText:
    """Normalise `value` (NFKC), drop control and invisible characters, cut to `max_chars`.

    Bytes are accepted when they are UTF-8. Any other type, or binary bytes, raises
    MalformedInput; a non-positive `max_chars` raises UnsupportedValue.
    """
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars <= 0:
        raise UnsupportedValue("max_chars must be a positive whole number.")
    text = _as_str(value)
    # Cut generously before the expensive steps so a huge input costs little.
    budget = max_chars * 2 + 64
    cut_early = len(text) > budget
    text = _fix_surrogates(text[:budget])
    text = unicodedata.normalize("NFKC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACE_RUNS.sub("  ", text).strip()
    if len(text) > max_chars:
        return CleanText(text[:max_chars].rstrip(), truncated=True)
    return CleanText(text, truncated=cut_early)
