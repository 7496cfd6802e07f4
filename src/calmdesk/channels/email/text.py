"""Text out of hostile mail: charsets, HTML, quoted history and signatures.

Nothing here renders anything: HTML becomes plain text (scripts, styles and remote images are
dropped, never fetched), and the text is shown escaped like every other message.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from html.parser import HTMLParser

__all__ = ["clean_header", "decode_bytes", "html_to_text", "latest_reply"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_HEADER_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")
_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv"]
_PARSE_LINE = 400  # the reply parser's regexes slow down on very long lines: wrap for it
_PARSE_MAX = 60_000
_HTML_MAX = 2_000_000
_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 "
    "h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tr ul".split()
)
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "object"})


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Bytes to text by the declared charset, corrected where the declaration is plainly wrong.

    Valid UTF-8 with multi-byte sequences wins over a declared single-byte charset (a common
    mislabel); an unknown charset falls back to UTF-8, then Windows-1252; never an exception."""
    charset = (declared or "").strip().strip('"').lower() or None
    if any(b > 0x7F for b in data):
        try:
            utf8 = data.decode("utf-8")
        except UnicodeDecodeError:
            utf8 = None
        if utf8 is not None and charset not in ("utf-16", "utf-16le", "utf-16be", "utf-32"):
            return _clean_text(utf8)
    if charset:
        try:
            return _clean_text(data.decode(charset))
        except (LookupError, UnicodeDecodeError, ValueError):
            pass
    try:
        return _clean_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return _clean_text(data.decode("cp1252", errors="replace"))


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates out
    return _CONTROL.sub("", text)


def clean_header(value: object, limit: int = 300) -> str:
    """A header value safe to store and to reuse in a header: one line, no control characters."""
    text = str(value or "")
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = _HEADER_CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return text[:limit]


class _TextOnly(HTMLParser):
    """Text of an HTML document; skipped: scripts, styles, head; images give their alt text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img" and not self.skipping:
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of customer HTML (inscriptis; the standard library's parser as a fallback)."""
    html = html[:_HTML_MAX]
    text = ""
    try:
        from inscriptis import get_text

        text = get_text(html)
    except Exception:  # noqa: BLE001 - any parser failure falls back to the plain parser
        text = ""
    if not text.strip():
        parser = _TextOnly()
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in _clean_text(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _squash(text: str) -> str:
    return " ".join(text.split())


def latest_reply(text: str) -> str:
    """The newest part of a mail: quoted history, reply headers and signatures removed
    (mail-parser-reply). The whole text when nothing is left or nothing was found."""
    whole = text.strip()
    if not whole:
        return ""
    from mailparser_reply import EmailReplyParser

    head = whole[:_PARSE_MAX]
    safe = "\n".join(
        textwrap.fill(line, _PARSE_LINE, break_long_words=True) if len(line) > _PARSE_LINE else line
        for line in head.split("\n")
    )
    reply = (EmailReplyParser(languages=_LANGUAGES).parse_reply(safe) or "").strip()
    if not reply or _squash(reply) == _squash(safe):
        return whole
    return reply
