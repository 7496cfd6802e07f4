"""The note a person reads when the bot hands over: the question, what the bot said, the mood."""

from __future__ import annotations

from collections.abc import Sequence

from calmdesk.analysis.kb.index import Hit
from calmdesk.domain import CustomerSignals, Role, Turn

__all__ = ["handoff_summary", "mood"]

_EXCERPT = 300


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def mood(signals: CustomerSignals | None, reason: str) -> str:
    """The customer's mood in words, from the model's signals (or the hand-off reason)."""
    if signals is None:
        if "abusive" in reason or "upset" in reason:
            return reason.replace("the customer is ", "")
        return "not measured (no model signals)"
    emotion = max(signals.emotion, key=signals.emotion.__getitem__) if signals.emotion else ""
    level = "very upset" if signals.upset >= 0.75 else "upset" if signals.upset >= 0.5 else "calm"
    return f"{level} (upset {signals.upset:.2f}, anger {signals.anger:.2f}, mostly {emotion})"


def handoff_summary(
    turns: Sequence[Turn], reason: str, signals: CustomerSignals | None, hits: Sequence[Hit]
) -> str:
    """Plain text, a few lines: why, the question, the bot's earlier answers, mood, articles."""
    question = next((t.text for t in reversed(turns) if t.role is Role.CUSTOMER), "")
    said = [t.text for t in turns if t.role is Role.BOT]
    lines = [
        f"Bot hand-off: {reason}.",
        f'Customer asked: "{_short(question)}"',
        "Bot answered: " + (" | ".join(f'"{_short(t)}"' for t in said) if said else "nothing yet"),
        f"Mood: {mood(signals, reason)}.",
    ]
    if hits:
        lines.append(
            "Articles that may help: "
            + ", ".join(f"{h.article.title} [{h.article.id}] ({h.score:.2f})" for h in hits)
        )
    return "\n".join(lines)
