"""The simulated customer's next message, offline: the persona's phrasings, varied, seeded.

Every choice draws from a `random.Random` seeded by the scenario, the session's seed and the turn,
so a session replays exactly. Lines the persona does not define fall back to plain generic ones.
"""

from __future__ import annotations

import random
import re

from calmdesk.analysis.roleplay.scenario import Scenario

__all__ = ["GENERIC_LINES", "compose", "rng_for"]

GENERIC_LINES: dict[str, tuple[str, ...]] = {
    "repeat": (
        "I've already explained the problem. What are you going to do about it?",
        "You're not answering me. I need this sorted.",
    ),
    "partial": ("Okay. So what happens now, exactly?", "Right. And when will that happen?"),
    "reveal": ("It's {value}.", "Here you go: {value}."),
    "blamed": ("So now it's my fault? Unbelievable.", "Don't put this on me."),
    "told_to_calm": ("Don't tell me to calm down.", "Telling me to calm down doesn't help."),
    "asked_again": (
        "I already gave you that. Do you even read my messages?",
        "I told you that already.",
    ),
    "unanswered": ("You didn't answer my question.", "That's not what I asked."),
    "policy": (
        "I don't care about your policy, I care about my problem.",
        "Quoting rules at me doesn't fix anything.",
    ),
    "caught_overpromise": ("Hang on, you said that earlier and it didn't happen. Which is it?",),
    "silence": ("Hello? Is anyone there?", "Are you still there?"),
    "manager": ("I want to speak to a manager.", "Put me through to someone senior."),
    "threat": ("I'll be leaving a review about this.", "I'm going to dispute the charge."),
    "leave": ("Forget it. I'm done with you.", "I'm taking my business elsewhere. Goodbye."),
    "accept": ("Okay, that works. Thank you.", "Fine, that sounds good. Thanks for your help."),
    "abuse": ("Are you thick? Just fix it.", "Useless, all of you."),
}
_FACT = re.compile(r"\{fact:([a-z0-9_]+)\}")
_INTERRUPTIONS = ("Sorry, let me stop you there.", "Wait, wait.", "Hold on.", "Yeah, yeah.")


def rng_for(scenario_id: str, seed: int, turn: int) -> random.Random:
    """The one source of variation for a turn: same scenario, seed and turn, same choices."""
    return random.Random(f"{scenario_id}:{seed}:{turn}")


def _fill(template: str, scenario: Scenario, value: str = "") -> str:
    facts = {f.key: f.value for f in scenario.facts}
    text = _FACT.sub(lambda m: facts.get(m.group(1), m.group(0)), template)
    return text.replace("{name}", scenario.name).replace("{value}", value)


def _pick(kind: str, scenario: Scenario, rng: random.Random) -> str:
    variants = scenario.lines.get(kind) or GENERIC_LINES.get(kind) or GENERIC_LINES["repeat"]
    return variants[rng.randrange(len(variants))]


def compose(
    kinds: list[str], scenario: Scenario, rng: random.Random, reveal: tuple[str, ...] = ()
) -> str:
    """One message from line kinds in order (e.g. ["reveal", "partial"]), facts filled in."""
    parts: list[str] = []
    for kind in kinds:
        if kind == "reveal":
            parts.extend(
                _fill(_pick("reveal", scenario, rng), scenario, scenario.fact(k).value)
                for k in reveal
            )
        else:
            parts.append(_fill(_pick(kind, scenario, rng), scenario))
    if scenario.phone_style and parts and rng.random() < 0.5:
        parts.insert(0, _INTERRUPTIONS[rng.randrange(len(_INTERRUPTIONS))])
    return " ".join(p.strip() for p in parts if p.strip())
