"""Named customers for the reply-review tests, with the signals the pipeline would give them."""

from __future__ import annotations

from dataclasses import dataclass

from calmdesk.domain import (
    AbuseKind,
    Cause,
    CheckStatus,
    CustomerSignals,
    Mention,
    MentionKind,
    Review,
    Role,
    Span,
    Turn,
    TurnAnalysis,
)


@dataclass(frozen=True)
class Customer:
    """One customer message with the signals the pipeline would have given it."""

    text: str
    upset: float = 0.1
    abuse: float = 0.0
    complaint: float = 0.0
    cause: Cause = Cause.NONE
    supervisor: bool = False

    def turn(self) -> tuple[Turn, TurnAnalysis]:
        kinds = [AbuseKind.INSULT] if self.abuse >= 0.5 else []
        requests = (
            [Mention(MentionKind.SUPERVISOR, Span(0, 1, self.text[:1]))] if self.supervisor else []
        )
        signals = CustomerSignals(
            upset=self.upset,
            anger=self.upset,
            abuse=self.abuse,
            complaint=self.complaint,
            urgency=0.2,
            politeness=0.5,
            emotion={"neutral": 1.0},
            cause=self.cause,
            cause_confidence=0.8 if self.cause is not Cause.NONE else 0.0,
            abuse_kinds=kinds,
            requests=requests,
        )
        return Turn(Role.CUSTOMER, self.text), TurnAnalysis(Role.CUSTOMER, signals)


ANGRY_LATE = Customer(
    "My order #48213 was meant to arrive on Monday and it still hasn't come. I'm furious, "
    "this is the second time!",
    upset=0.85,
    complaint=0.9,
    cause=Cause.DELIVERY_DELAY,
)
ABUSIVE = Customer(
    "You are useless idiots. Refund my double charge NOW or I'll make sure everyone knows.",
    upset=0.95,
    abuse=0.9,
    complaint=0.9,
    cause=Cause.BILLING,
)
CALM_QUESTION = Customer(
    "Hi, could you tell me how long it takes to change the delivery address on an order?",
)
VAGUE = Customer("It's not working again. Sort it out.", upset=0.5, complaint=0.6)
WANTS_MANAGER = Customer(
    "I've explained my broken washing machine three times now. Put me through to a manager.",
    upset=0.7,
    complaint=0.8,
    cause=Cause.DEFECT,
    supervisor=True,
)
MILD_BILLING = Customer(
    "I think I was charged twice for my subscription this month, can you check please?",
    upset=0.3,
    complaint=0.6,
    cause=Cause.BILLING,
)


def status(review: Review, check_id: str) -> CheckStatus:
    return next(c.status for c in review.checks if c.check == check_id)


def evidence(review: Review, check_id: str) -> list[str]:
    return [s.text for c in review.checks if c.check == check_id for s in c.evidence]
