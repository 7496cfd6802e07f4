"""Personal data out before text leaves the machine, and back in when the answer returns.

Found and replaced by placeholders such as `[EMAIL_1]`: payment card numbers (13-19 digits that
pass the Luhn check), IBANs (ISO 13616 mod-97 check), e-mail addresses and phone numbers (the
`phonenumbers` library, numbers valid for their region). One `Redactor` gives the same value the
same placeholder across all the texts it sees, so a conversation stays coherent.

`restore` puts e-mail addresses and phone numbers back; card numbers and IBANs come back masked
("card ending 4242"), because a reply should never repeat them in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import phonenumbers

__all__ = ["Redacted", "Redactor", "luhn_ok", "redact", "restore"]

_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_PLACEHOLDER = re.compile(r"\[(CARD|IBAN|EMAIL|PHONE)_(\d+)\]")


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _iban_ok(raw: str) -> bool:
    iban = raw.replace(" ", "")
    if not 15 <= len(iban) <= 34:
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _card_ok(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


@dataclass(frozen=True, slots=True)
class Redacted:
    """The redacted text and what each placeholder stands for."""

    text: str
    mapping: dict[str, str]


@dataclass(slots=True)
class Redactor:
    """Replaces personal data by stable placeholders; remembers them for `restore`."""

    region: str = "US"
    mapping: dict[str, str] = field(default_factory=dict)
    _seen: dict[str, str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def redact(self, text: str) -> Redacted:
        text = self._sub(_IBAN, text, "IBAN", _iban_ok)
        text = self._sub(_CARD, text, "CARD", _card_ok)
        text = self._sub(_EMAIL, text, "EMAIL", lambda _: True)
        text = self._phones(text)
        return Redacted(text, dict(self.mapping))

    def _placeholder(self, kind: str, value: str) -> str:
        key = f"{kind}:{re.sub(r'[ -]', '', value).lower()}"
        if key not in self._seen:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            tag = f"[{kind}_{self._counts[kind]}]"
            self._seen[key], self.mapping[tag] = tag, value
        return self._seen[key]

    def _sub(
        self, pattern: re.Pattern[str], text: str, kind: str, ok: Callable[[str], bool]
    ) -> str:
        def swap(m: re.Match[str]) -> str:
            return self._placeholder(kind, m.group(0)) if ok(m.group(0)) else m.group(0)

        return pattern.sub(swap, text)

    def _phones(self, text: str) -> str:
        matcher = phonenumbers.PhoneNumberMatcher(text, self.region, phonenumbers.Leniency.VALID)
        found = [(m.start, m.end, self._placeholder("PHONE", m.raw_string)) for m in matcher]
        for start, end, tag in reversed(found):
            text = text[:start] + tag + text[end:]
        return text


def redact(text: str, *, region: str = "US") -> Redacted:
    """Redact one text with a fresh Redactor."""
    return Redactor(region=region).redact(text)


def _masked(kind: str, value: str) -> str:
    tail = re.sub(r"[^0-9A-Za-z]", "", value)[-4:]
    return f"card ending {tail}" if kind == "CARD" else f"account ending {tail}"


def restore(text: str, mapping: dict[str, str]) -> str:
    """Put placeholders back: e-mails and phones in full, cards and IBANs masked.

    Placeholders that the mapping does not know are left as they are."""

    def back(m: re.Match[str]) -> str:
        value = mapping.get(m.group(0))
        if value is None:
            return m.group(0)
        return value if m.group(1) in {"EMAIL", "PHONE"} else _masked(m.group(1), value)

    return _PLACEHOLDER.sub(back, text)
