"""CSAT after resolution (A3): one question, never to a blocked customer, never twice; the answer
stored; a low score opens a follow-up task for the team."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.factories import ADMIN, World

from calmdesk.actions import Actor, add_customer_turn, block_customer, resolve_conversation
from calmdesk.actions.csat import (
    CSAT_DELIVERY,
    CSAT_QUESTION,
    answer_csat,
    ask_csat,
    ask_pending_csat,
)
from calmdesk.domain import Conflict, InputError, NotFound, PermissionDenied
from calmdesk.storage import AuditEntry, AuthorRole, FollowUp, Note, Turn
from calmdesk.storage.qa import CsatSurvey

JOB = Actor.system("job:qa")


def _resolved(world: World, channel: str = "chat") -> int:
    conversation = world.open(channel=channel)
    add_customer_turn(
        world.ctx, Actor.for_customer(world.angry_customer.id), conversation.id, "Order late!"
    )
    resolve_conversation(world.ctx, world.actor(world.agent), conversation.id, "re-sent")
    return conversation.id


def _surveys(world: World) -> list[CsatSurvey]:
    with world.ctx.sessions() as session:
        return list(session.scalars(select(CsatSurvey)))


def test_actions_csat_is_asked_once_in_the_chat(world: World) -> None:
    cid = _resolved(world)
    asked = ask_csat(world.ctx, JOB, cid)
    assert asked.survey is not None and asked.survey.channel == "chat"
    with world.ctx.sessions() as session:
        turn = session.get(Turn, asked.survey.asked_turn_id)
        assert turn is not None and turn.author_role is AuthorRole.SYSTEM
        assert turn.text == CSAT_QUESTION
    again = ask_csat(world.ctx, JOB, cid)
    assert again.survey is None and again.reason == "already asked"
    assert ask_pending_csat(world.ctx, JOB) == 0
    assert len(_surveys(world)) == 1


def test_actions_csat_is_never_sent_to_a_blocked_customer(world: World) -> None:
    cid = _resolved(world)
    block_customer(world.ctx, world.actor(world.supervisor), world.angry_customer.id, "threats")
    asked = ask_csat(world.ctx, JOB, cid)
    assert asked.survey is None and asked.reason == "the customer is blocked"
    assert ask_pending_csat(world.ctx, JOB) == 0 and _surveys(world) == []


def test_actions_csat_waits_for_resolution_and_the_worker_asks_pending_ones(world: World) -> None:
    open_one = world.open()
    assert ask_csat(world.ctx, JOB, open_one.id).reason == "not resolved"
    _resolved(world)
    _resolved(world)
    assert ask_pending_csat(world.ctx, JOB) == 2
    assert ask_pending_csat(world.ctx, JOB) == 0


def test_actions_csat_answer_is_stored_once(world: World) -> None:
    cid = _resolved(world)
    ask_csat(world.ctx, JOB, cid)
    customer = Actor.for_customer(world.angry_customer.id)
    survey = answer_csat(world.ctx, customer, cid, "5", "Quick and kind, thank you")
    assert (survey.score, survey.comment) == (5, "Quick and kind, thank you")
    assert survey.follow_up_id is None
    with pytest.raises(Conflict):
        answer_csat(world.ctx, customer, cid, 1)
    with world.ctx.sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert actions.count("csat.asked") == 1 and actions.count("csat.answered") == 1


def test_actions_csat_low_score_opens_a_follow_up_task(world: World) -> None:
    cid = _resolved(world)
    ask_csat(world.ctx, JOB, cid)
    survey = answer_csat(world.ctx, Actor.for_customer(world.angry_customer.id), cid, 2, "meh")
    assert survey.follow_up_id is not None
    with world.ctx.sessions() as session:
        follow = session.get(FollowUp, survey.follow_up_id)
        assert follow is not None and not follow.done and follow.conversation_id == cid
        notes = [n.text for n in session.scalars(select(Note).where(Note.conversation_id == cid))]
    assert any("Low CSAT 2/5: meh" in n for n in notes)


@pytest.mark.parametrize("score", [0, 6, "five", "", None, 3.5, True, "2; drop table"])
def test_actions_csat_bad_ratings_are_refused(world: World, score: object) -> None:
    cid = _resolved(world)
    ask_csat(world.ctx, JOB, cid)
    with pytest.raises(InputError):
        answer_csat(world.ctx, Actor.for_customer(world.angry_customer.id), cid, score)
    assert _surveys(world)[0].answered_at is None


def test_actions_csat_only_the_asked_customer_answers(world: World) -> None:
    cid = _resolved(world)
    with pytest.raises(NotFound):
        answer_csat(world.ctx, Actor.for_customer(world.angry_customer.id), cid, 4)
    ask_csat(world.ctx, JOB, cid)
    with pytest.raises(PermissionDenied):
        answer_csat(world.ctx, Actor.for_customer(world.calm_customer.id), cid, 4)


def test_actions_csat_other_channels_use_the_registered_delivery(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Email has its own delivery (actions.csat_mail, tests/channels/test_csat_mail.py); a
    channel without one uses what is registered for it."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setitem(
        CSAT_DELIVERY, "phone", lambda session, conv, survey, text: sent.append((conv.id, text))
    )
    cid = _resolved(world, channel="phone")
    asked = ask_csat(world.ctx, JOB, cid)
    assert asked.survey is not None and asked.survey.asked_turn_id is None
    assert sent == [(cid, CSAT_QUESTION)]
    assert ask_csat(world.ctx, ADMIN, cid).survey is None
