"""Personal data out before text leaves the machine, and back in when the answer returns.

Found by the same finders as the redaction before storage (`calmdesk.analysis.privacy`) and
replaced by placeholders such as `[EMAIL_1]`: payment card numbers, IBANs, e-mail addresses and
phone numbers; card security codes and expiry dates become `[security code]` / `[card expiry]`.
One `Redactor` gives the same value the same placeholder across all the texts it sees, so a
conversation stays coherent.

`restore` puts e-mail addresses and phone numbers back; card numbers and IBANs come back masked
("card ending 4242"), because a reply should never repeat them in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from calmdesk.analysis.privacy import (
    Finding,
    find_cards,
    find_contacts,
    find_ibans,
    find_security_codes,
    luhn_ok,
)

__all__ = ["Redacted", "Redactor", "luhn_ok", "redact", "restore"]

_PLACEHOLDER = re.compile(r"\[(CARD|IBAN|EMAIL|PHONE)_(\d+)\]")
_KINDS = {"card": "CARD", "iban": "IBAN", "email": "EMAIL", "phone": "PHONE"}


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
        text = self._swap(text, find_ibans(text))
        cards = find_cards(text)
        text = self._swap(text, [*cards, *find_security_codes(text, cards)])
        text = self._swap(text, find_contacts(text, self.region))
        return Redacted(text, dict(self.mapping))

    def _placeholder(self, kind: str, value: str) -> str:
        key = f"{kind}:{re.sub(r'[ -]', '', value).lower()}"
        if key not in self._seen:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            tag = f"[{kind}_{self._counts[kind]}]"
            self._seen[key], self.mapping[tag] = tag, value
        return self._seen[key]

    def _swap(self, text: str, findings: list[Finding]) -> str:
        """Cards, IBANs, e-mails and phones become placeholders; security codes and expiry dates
        their fixed labels (they never come back)."""
        out, pos = [], 0
        for f in sorted(findings, key=lambda f: (f.start, -f.end)):
            if f.start < pos:
                continue
            kind = _KINDS.get(f.kind)
            value = text[f.start : f.end]
            out += [text[pos : f.start], self._placeholder(kind, value) if kind else f.label]
            pos = f.end
        out.append(text[pos:])
        return "".join(out)


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
