"""'Practise this case': a scenario from a real conversation, with the personal data replaced.

The customer's own words become the persona's opening and repeats; their name, the staff's names,
email addresses, phone numbers and card numbers are replaced; order and reference numbers are
replaced by invented ones of the same shape and become facts the trainee must ask for. How upset,
angry or abusive the customer was (the stored signals) sets the persona's start, temperament and
whether a boundary is needed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FAKE_NAMES", "scenario_from_case", "scrub"]

FAKE_NAMES = (
    "Jordan Avery",
    "Sam Ellison",
    "Robin Hartley",
    "Alex Moreno",
    "Casey Lindqvist",
    "Morgan Adebayo",
    "Jamie Okoro",
    "Taylor Brennan",
    "Riley Sandoval",
    "Quinn Marsh",
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_PHONE = re.compile(r"(?:\+|\b0)\d[\d ()-]{7,}\d\b")
_REFERENCE = re.compile(r"\b(?=[A-Z0-9-]*\d)[A-Z]{0,4}-?\d{3,}(?:-\d+)*\b")
_CAUSES = {"expectations": "C1", "communication": "C2"}
_MAX_LINES = 5
_MAX_CHARS = 600


def _digest(*parts: str) -> int:
    return int(hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:8], 16)


def _fake_reference(original: str) -> str:
    """Same shape (letters, dashes, digit count), invented digits."""
    n = _digest(original)
    out = []
    for ch in original:
        if ch.isdigit():
            out.append(str(n % 10))
            n = n // 10 or _digest(str(n), original)
        else:
            out.append(ch)
    return "".join(out)


def scrub(text: str, names: Mapping[str, str], references: dict[str, str]) -> str:
    """`text` with people replaced (`names`: real -> stand-in, longest first), contact, card and
    bank details removed, and reference numbers invented."""
    out = _EMAIL.sub("someone@example.org", text)
    out = _IBAN.sub("[bank account removed]", out)
    out = _CARD.sub("[card number removed]", out)
    out = _PHONE.sub("[phone number removed]", out)

    def reference(m: re.Match[str]) -> str:
        return references.setdefault(m.group(0), _fake_reference(m.group(0)))

    out = _REFERENCE.sub(reference, out)
    for real, fake in sorted(names.items(), key=lambda kv: -len(kv[0])):
        out = _replace(out, real, fake)
    return out.strip()[:_MAX_CHARS]


def _replace(text: str, real: str, fake: str) -> str:
    if len(real) < 3:
        return text
    return re.sub(rf"\b{re.escape(real)}\b", fake, text, flags=re.IGNORECASE)


def _people(customer: str, persona: str, staff: Sequence[str]) -> dict[str, str]:
    """Every way a name may be written: the full name and its parts, customer and staff."""
    names = {part: "our agent" for n in staff for part in (n, *n.split())}
    real, fake = customer.split(), persona.split()
    names.update({real[0]: fake[0], real[-1]: fake[-1]} if real else {})
    names[customer] = persona
    return names


def _cause(signals: Sequence[Mapping[str, Any]]) -> str:
    causes = [str(s.get("cause", "none")) for s in signals]
    found = next((c for c in causes if c not in ("none", "other")), "other")
    return _CAUSES.get(found, "C3")


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _temperament(anger: float) -> str:
    return "volatile" if anger >= 0.6 else "impatient" if anger >= 0.3 else "calm"


def scenario_from_case(
    scenario_id: str,
    title: str,
    customer_turns: Sequence[str],
    signals: Sequence[Mapping[str, Any]],
    *,
    customer_name: str,
    staff_names: Sequence[str] = (),
) -> dict[str, Any]:
    """A scenario mapping (valid for `parse_scenario`) from the customer's side of a case."""
    if not customer_turns or not any(t.strip() for t in customer_turns):
        raise ValueError("the conversation has no customer message to practise on")
    persona = FAKE_NAMES[_digest(scenario_id, customer_name) % len(FAKE_NAMES)]
    names = _people(customer_name, persona, staff_names)
    references: dict[str, str] = {}
    said = [scrub(t, names, references) for t in customer_turns if t.strip()]
    upset = [_num(s.get("upset")) for s in signals] or [0.6]
    anger = max((_num(s.get("anger")) for s in signals), default=0.0)
    abusive = max((_num(s.get("abuse")) for s in signals), default=0.0) >= 0.5
    wants_manager = any("supervisor" in str(s.get("requests", "")) for s in signals)
    facts = {
        f"reference_{i}": {
            "value": fake,
            "asked_by": [
                "order number",
                "reference",
                "order id",
                "booking",
                "account number",
                "number",
            ],
        }
        for i, fake in enumerate(dict.fromkeys(references.values()), 1)
    }
    needs = ["concrete_option"] + (["boundary"] if abusive else [])
    needs += ["escalation"] if wants_manager else []
    return {
        "id": scenario_id,
        "title": scrub(title, names, references)[:200] or "A real case",
        "cause": _cause(signals),
        "difficulty": min(5, 2 + int(abusive) + int(anger >= 0.5) + int(len(said) > 3)),
        "channel": "chat",
        "situation": f"A real conversation, anonymised. The customer wrote {len(said)} time(s); "
        "their words are the persona's.",
        "goal": "What the real customer wanted: read their first message.",
        "persona": {"name": persona, "temperament": _temperament(anger), "patience": 3},
        "start": {
            "upset": round(min(0.95, max(0.3, upset[0])), 2),
            "trust": 0.3 if upset[0] >= 0.5 else 0.45,
        },
        "facts": facts,
        "angered_by": {
            "blame": 0.9,
            "calm_down": 1.0,
            "tone": 0.6,
            "ignored": 0.5,
            "asked_again": 0.6,
            "overpromise": 0.7,
            "policy_wall": 0.7,
            "no_empathy": 0.3,
            "silence": 0.3,
        },
        "calmed_by": {
            "reflection": 0.5,
            "empathy": 0.5,
            "apology": 0.4,
            "concrete_option": 0.8,
            "timeline": 0.6,
            "checks_fit": 0.4,
            "boundary": 0.6,
            "escalation": 0.8,
        },
        "success": {
            "upset_below": 0.4,
            "trust_at_least": 0.5,
            "needs": needs,
            "needs_facts": list(facts)[:1],
        },
        "requires_boundary": abusive,
        "when_lost": "escalated" if wants_manager else "abandoned",
        "max_turns": 8,
        "lines": {
            "opening": said[:1],
            **({"repeat": said[1 : _MAX_LINES + 1]} if len(said) > 1 else {}),
            "reveal": ["It's {value}.", "{value}."],
        },
    }
