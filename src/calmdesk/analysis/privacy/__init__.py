"""Personal data out of free text before it is stored: pure functions, no I/O.

    scrub(text, mask_contacts=False)  ->  Scrubbed(text, counts)

Always replaced (payment data is never kept):
  - card numbers: 13-19 digits, spaces or dashes between groups allowed, first digit 2-6 (the
    issuer ranges of payment cards) and Luhn-valid. A non-Luhn order number stays as it is. The
    stored text keeps the last four digits: `[card ending 4242]`.
  - IBANs: a country code, two check digits and the account, with or without spaces, of the
    country's length (ISO 13616 table below; other codes 15-34 characters) and a valid mod-97
    checksum: `[IBAN ending 3000]`.
  - card security codes (CVV/CVC/CID...) after such a word, and a 3-4 digit number right after a
    card number; card expiry dates right after a card number: `[security code]`, `[card expiry]`.
Replaced when the team asks for it (`mask_contacts`):
  - e-mail addresses `[email]` and phone numbers valid for their region `[phone]` (the
    customer's own contact fields live in the customer record, not in message text).

Scrubbing is idempotent: the placeholders contain nothing that matches again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers

__all__ = [
    "Finding",
    "Scrubbed",
    "find_cards",
    "find_contacts",
    "find_ibans",
    "find_security_codes",
    "iban_ok",
    "luhn_ok",
    "scrub",
]

# ISO 13616 lengths of the countries calmdesk users are most likely to meet.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22,
    "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip

_DIGIT_RUN = re.compile(r"(?<![\d])\d(?:[ \-]?\d){11,}")
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})")
_CODE_WORDS = re.compile(
    r"(?i)\b(?:cvv2?|cvc2?|csc|cid|cav2|security\s+code|card\s+code|verification\s+(?:code|number)"
    r"|sicherheitscode|pr[uü]fnummer|cryptogramme)\b[\s:#=\-]*(?:is\s+|was\s+|ist\s+)?(\d{3,4})(?!\d)"
)
_AFTER_CARD = re.compile(
    r"\A[\s,;:]*(?:(?:exp(?:iry|ires)?|valid\s+thru)\.?[\s:]*)?"
    r"(?P<exp>(?:0[1-9]|1[0-2])\s*/\s*(?:\d{4}|\d{2}))?(?!\d)"
    r"[\s,;:]*(?:and\s+)?(?:(?:cvv2?|cvc2?|code)[\s:]*)?(?P<code>\d{3,4})?(?!\d)",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data found in a text: what it is and where (`text[start:end]`)."""

    kind: str  # card | iban | security_code | card_expiry | email | phone
    start: int
    end: int
    label: str  # what replaces it


@dataclass(frozen=True, slots=True)
class Scrubbed:
    """The text with personal data replaced, and how many of each kind were found."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_ok(compact: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN without spaces (any letter case)."""
    iban = compact.upper()
    if not 15 <= len(iban) <= 34 or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _groups(run: str, offset: int) -> list[tuple[int, int]]:
    """(start, end) of each digit group of a run, in text positions."""
    return [(offset + m.start(), offset + m.end()) for m in re.finditer(r"\d+", run)]


def find_cards(text: str) -> list[Finding]:
    """Luhn-valid payment card numbers (whole digit groups only, longest first)."""
    found: list[Finding] = []
    for run in _DIGIT_RUN.finditer(text):
        groups = _groups(run.group(0), run.start())
        i = 0
        while i < len(groups):
            hit = _card_at(text, groups, i)
            if hit is None:
                i += 1
                continue
            j, digits = hit
            found.append(
                Finding("card", groups[i][0], groups[j][1], f"[card ending {digits[-4:]}]")
            )
            i = j + 1
    return found


def _card_at(text: str, groups: list[tuple[int, int]], i: int) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    digits = ""
    for j in range(i, len(groups)):
        digits += text[groups[j][0] : groups[j][1]]
        if len(digits) > 19:
            break
        if len(digits) >= 13 and digits[0] in "23456" and luhn_ok(digits):
            best = (j, digits)
    return best


def find_ibans(text: str) -> list[Finding]:
    """IBANs of the country's length with a valid checksum, written with or without spaces."""
    found: list[Finding] = []
    pos = 0
    while (m := _IBAN_START.search(text, pos)) is not None:
        hit = _iban_at(text, m.start())
        if hit is None:
            pos = m.start() + 1
            continue
        end, compact = hit
        found.append(Finding("iban", m.start(), end, f"[IBAN ending {compact[-4:].upper()}]"))
        pos = end
    return found


def _iban_at(text: str, start: int) -> tuple[int, str] | None:
    compact, ends = "", {}  # compact length -> text end position
    i = start
    while i < len(text) and len(compact) < 34:
        ch = text[i]
        if ch.isascii() and ch.isalnum():
            compact += ch
            ends[len(compact)] = i + 1
            i += 1
        elif ch in " -" and i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalnum():
            i += 1
        else:
            break
    country = compact[:2].upper()
    lengths = [IBAN_LENGTHS[country]] if country in IBAN_LENGTHS else range(34, 14, -1)
    if country not in IBAN_LENGTHS and not compact[:2].isupper():
        return None
    for length in lengths:
        end = ends.get(length)
        if end is None or (end < len(text) and text[end].isascii() and text[end].isalnum()):
            continue
        if iban_ok(compact[:length]):
            return end, compact[:length]
    return None


def find_security_codes(text: str, cards: Iterable[Finding] = ()) -> list[Finding]:
    """Codes after a word such as CVV or "security code"; a code or expiry right after a card."""
    found = [
        Finding("security_code", m.start(1), m.end(1), "[security code]")
        for m in _CODE_WORDS.finditer(text)
    ]
    for card in cards:
        tail = _AFTER_CARD.match(text[card.end : card.end + 40])
        if tail is None:
            continue
        if tail.group("exp"):
            s, e = tail.span("exp")
            found.append(Finding("card_expiry", card.end + s, card.end + e, "[card expiry]"))
        if tail.group("code"):
            s, e = tail.span("code")
            found.append(Finding("security_code", card.end + s, card.end + e, "[security code]"))
    return found


def find_contacts(text: str, region: str = "US") -> list[Finding]:
    """E-mail addresses and phone numbers valid for their region (or with a + country code)."""
    found = [Finding("email", m.start(), m.end(), "[email]") for m in _EMAIL.finditer(text)]
    matcher = phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID)
    found += [Finding("phone", m.start, m.end, "[phone]") for m in matcher]
    return found


def _apply(text: str, findings: list[Finding]) -> Scrubbed:
    counts: dict[str, int] = {}
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if f.start < pos:  # overlaps an earlier finding (already replaced)
            continue
        out += [text[pos : f.start], f.label]
        pos = f.end
        counts[f.kind] = counts.get(f.kind, 0) + 1
    out.append(text[pos:])
    return Scrubbed("".join(out), counts)


def scrub(text: str, *, mask_contacts: bool = False, region: str = "US") -> Scrubbed:
    """`text` with payment data (and, with `mask_contacts`, e-mails and phones) replaced."""
    if not text or not any(c.isdigit() or c == "@" for c in text):
        return Scrubbed(text)
    ibans = find_ibans(text)
    after_ibans = _apply(text, ibans)
    base = after_ibans.text
    cards = find_cards(base)
    findings = [*cards, *find_security_codes(base, cards)]
    if mask_contacts:
        taken = [(f.start, f.end) for f in findings]
        findings += [
            f
            for f in find_contacts(base, region)
            if not any(s < f.end and f.start < e for s, e in taken)
        ]
    result = _apply(base, findings)
    counts = dict(after_ibans.counts)
    for kind, n in result.counts.items():
        counts[kind] = counts.get(kind, 0) + n
    return Scrubbed(result.text, counts)
