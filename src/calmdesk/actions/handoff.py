"""The hand-off summary a supervisor or team reads when a case is escalated (P14, A1)."""

from __future__ import annotations

from collections.abc import Sequence

from calmdesk.storage import AuthorRole, Commitment, CommitmentStatus, Conversation, Turn

__all__ = ["handoff_summary"]

_EXCERPT = 240


def handoff_summary(
    conversation: Conversation,
    turns: Sequence[Turn],
    commitments: Sequence[Commitment],
    reason: str,
) -> str:
    """Plain-text summary: who, what went wrong, how it is going, what was promised, why now."""
    lines = [
        f"Why: {reason}",
        _who(conversation),
        f"Case: {conversation.channel.value}, opened {conversation.opened_at:%Y-%m-%d %H:%M} UTC, "
        f"{conversation.customer_turns} customer turn(s), cause {conversation.cause}.",
        f"Analysis: trend {conversation.trend}, "
        f"escalation risk {conversation.escalation_risk:.2f}, upset {conversation.upset:.2f}.",
    ]
    if conversation.risk_reasons:
        lines.append("Signals: " + "; ".join(conversation.risk_reasons[:5]) + ".")
    lines.extend(_promises(commitments))
    last = _last_customer_text(turns)
    if last:
        lines.append(f'Last from the customer: "{last}"')
    return "\n".join(lines)


def _who(conversation: Conversation) -> str:
    c = conversation.customer
    text = f"Customer: {c.name} (tier {c.tier}, {c.complaints_count} earlier complaint(s)"
    if c.bad_experiences:
        text += "; earlier bad experiences: " + ", ".join(c.bad_experiences[:3])
    if c.warnings_count:
        text += f"; warned {c.warnings_count} time(s): {c.standing_reason}"
    return text + ")."


def _promises(commitments: Sequence[Commitment]) -> list[str]:
    open_ones = [c for c in commitments if c.status is CommitmentStatus.OPEN]
    if not open_ones:
        return ["Open promises: none."]
    return ["Open promises:"] + [
        f"- {c.action} (due {c.due_at:%Y-%m-%d %H:%M} UTC)" if c.due_at else f"- {c.action}"
        for c in open_ones
    ]


def _last_customer_text(turns: Sequence[Turn]) -> str:
    for turn in reversed(turns):
        if turn.author_role is AuthorRole.CUSTOMER:
            text = " ".join(turn.text.split())
            return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"
    return ""
