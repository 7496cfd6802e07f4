"""Personal data through every write path, then every table, log and export searched for it.

Finding: card numbers, IBANs, e-mails and phones in a message were kept verbatim in turns, notes,
escalation summaries, exports and the append-only audit log. Now payment data never reaches
storage, contacts in free text are masked when the team asks, the audit references changes
instead of copying text, and retention and erasure remove what is left.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from tests.factories import ADMIN, FixedClock, World

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    add_note,
    complete_follow_up,
    escalate,
    open_conversation,
    record_action_taken,
    resolve_conversation,
    send_agent_reply,
    warn_customer,
)
from calmdesk.actions.export import export_record
from calmdesk.actions.imports import import_item, iter_items
from calmdesk.actions.privacy import apply_retention, erase_customer, set_team_policy
from calmdesk.storage import AuditEntry, Base, Conversation, Customer, Turn

# (what is written, what must never be found stored)
SECRETS = {
    "visa spaces": "4242 4242 4242 4242",
    "visa dashes": "4111-1111-1111-1111",
    "mastercard": "5555555555554444",
    "amex": "3782 822463 10005",
    "iban de": "DE89 3704 0044 0532 0130 00",
    "iban gb": "GB82WEST12345698765432",
    "iban fr": "FR14 2004 1010 0505 0001 3M02 606",
    "iban nl": "NL91 ABNA 0417 1643 00",
    "cvv": "cvv 737",
}
CONTACTS = {"email": "gail.furious@example.org", "phone": "+44 20 7946 0958"}
NOT_SECRET = "order 4242 4242 4242 4241"  # not Luhn-valid: an order number, kept as written


def _corpus() -> str:
    return (
        "Please refund card " + SECRETS["visa spaces"] + " " + SECRETS["cvv"]
        + ", or card " + SECRETS["visa dashes"] + " or " + SECRETS["mastercard"]
        + " or " + SECRETS["amex"] + "; my IBANs are " + SECRETS["iban de"] + ", "
        + SECRETS["iban gb"] + ", " + SECRETS["iban fr"] + " and " + SECRETS["iban nl"]
        + ". Mail " + CONTACTS["email"] + " or call " + CONTACTS["phone"] + ". " + NOT_SECRET
    )  # fmt: skip


def _needles(contacts: bool) -> dict[str, str]:
    found = {name: value for name, value in SECRETS.items() if name != "cvv"}
    found |= {f"{k} compact": v.replace(" ", "").replace("-", "") for k, v in found.items()}
    found["cvv"] = SECRETS["cvv"]
    if contacts:
        found |= CONTACTS
    return found


def _every_stored_value(world: World) -> list[str]:
    """Every value of every row of every table, as text."""
    values: list[str] = []
    with world.ctx.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                values.extend(json.dumps(v, default=str) if not isinstance(v, str) else v
                              for v in row)  # fmt: skip
    return values


def _write_everywhere(world: World, tmp_path: Path) -> int:
    """The corpus through every action that stores free text."""
    corpus = _corpus()
    agent = world.actor(world.agent)
    conv = open_conversation(
        world.ctx, agent, customer_id=world.angry_customer.id, channel="chat",
        team_id=world.team.id, subject="Card " + SECRETS["visa spaces"],
    )  # fmt: skip
    add_customer_turn(world.ctx, Actor.for_customer(world.angry_customer.id), conv.id, corpus)
    send_agent_reply(
        world.ctx, agent, conv.id, "I see card " + SECRETS["mastercard"] + ". " + corpus
    )
    add_note(world.ctx, agent, corpus, conversation_id=conv.id)
    add_note(world.ctx, agent, corpus, customer_id=world.angry_customer.id)
    record_action_taken(world.ctx, agent, conv.id, "refund", corpus[:3000])
    warn_customer(world.ctx, agent, world.angry_customer.id, corpus[:1900])
    escalate(world.ctx, agent, conv.id, corpus[:1900])
    _, follow_up = resolve_conversation(world.ctx, agent, conv.id, corpus[:3900])
    complete_follow_up(world.ctx, agent, follow_up.id, corpus[:3900])
    source = tmp_path / "history.jsonl"
    turns = [{"role": "customer", "text": corpus}, {"role": "agent", "text": corpus}]
    line = {"id": "imp-1", "subject": corpus[:200], "turns": turns}
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    for _, item in iter_items(source):
        import_item(world.ctx, Actor.system("import"), item, analyze=True)  # type: ignore[arg-type]
    return conv.id


@pytest.mark.parametrize("mask", [False, True], ids=["payment-only", "contacts-masked"])
def test_no_payment_data_in_any_table_log_or_export(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture, mask: bool
) -> None:
    if mask:  # the team's policy, and the default for records of no team (imports)
        set_team_policy(world.ctx, ADMIN, world.team.id, mask_contacts=True)
        world.ctx.settings = world.ctx.settings.model_copy(update={"privacy_mask_contacts": True})
    with caplog.at_level(logging.DEBUG):
        conv_id = _write_everywhere(world, tmp_path)
        exports = [export_record(world.ctx, conv_id, fmt) for fmt in ("json", "html")]
    stored = _every_stored_value(world)
    haystacks = {"tables": "\n".join(stored), "log": caplog.text, "json": exports[0],
                 "html": exports[1]}  # fmt: skip
    leaks = {
        (name, where)
        for name, needle in _needles(mask).items()
        for where, hay in haystacks.items()
        if needle in hay
    }
    assert not leaks, f"personal data found: {sorted(leaks)}"
    tables = haystacks["tables"]
    assert NOT_SECRET in tables  # a non-Luhn order number is not payment data
    assert "[card ending 4242]" in tables and "[IBAN ending 3000]" in tables
    assert ("[email]" in tables) is mask
    if not mask:
        assert CONTACTS["email"] in tables  # kept where the team did not ask to mask


def test_analysis_sees_the_redacted_text(world: World) -> None:
    seen: list[str] = []
    analyzer = world.ctx.analysis

    class Spy:
        def analyze(self, conversation):  # type: ignore[no-untyped-def]
            seen.extend(t.text for t in conversation.turns)
            return analyzer.analyze(conversation)

        def review(self, conversation, draft, now):  # type: ignore[no-untyped-def]
            seen.append(draft)
            return analyzer.review(conversation, draft, now)

    world.ctx.analyzer = Spy()
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, _corpus())
    send_agent_reply(world.ctx, world.actor(world.agent), conv.id, "Card " + SECRETS["amex"])
    assert seen and not any(SECRETS["amex"] in t or "4242 4242 4242 4242" in t for t in seen)


def test_the_customer_contact_fields_stay_when_contacts_are_masked(world: World) -> None:
    set_team_policy(world.ctx, ADMIN, world.team.id, mask_contacts=True)
    customer = world.angry_customer
    with world.ctx.sessions.begin() as session:
        session.get(Customer, customer.id).email = CONTACTS["email"]  # type: ignore[union-attr]
    conv = world.open(customer)
    add_customer_turn(
        world.ctx, Actor.for_customer(customer.id), conv.id, "Write to " + CONTACTS["email"]
    )
    with world.ctx.sessions() as session:
        assert session.get(Customer, customer.id).email == CONTACTS["email"]  # type: ignore[union-attr]
        assert session.scalars(select(Turn.text)).all() == ["Write to [email]"]


def test_the_audit_log_references_changes_instead_of_copying_text(world: World) -> None:
    conv = world.open(world.calm_customer)
    add_customer_turn(
        world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, "My name is Carl Calm"
    )
    add_note(world.ctx, world.actor(world.agent), "Carl prefers calls", conversation_id=conv.id)
    with world.ctx.sessions() as session:
        entries = list(session.scalars(select(AuditEntry)))
    dumped = json.dumps([[e.before, e.after] for e in entries])
    assert "Carl" not in dumped  # neither the message, the note nor the customer's name
    added = next(e for e in entries if e.action == "turn.customer_added")
    assert added.after is not None and added.after["text"] == {"chars": len("My name is Carl Calm")}


def _age(world: World, days: int) -> None:
    assert isinstance(world.ctx.clock, FixedClock)
    world.ctx.clock.now += timedelta(days=days)


def test_retention_anonymises_old_conversations_of_the_team(world: World) -> None:
    old = world.open(world.calm_customer)
    add_customer_turn(
        world.ctx, Actor.for_customer(world.calm_customer.id), old.id, "Old complaint text"
    )
    add_note(world.ctx, world.actor(world.agent), "Old note text", conversation_id=old.id)
    set_team_policy(world.ctx, ADMIN, world.team.id, retention_days=30)
    _age(world, 31)
    recent = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), recent.id, "New text")
    report = apply_retention(world.ctx, Actor.system("retention"))
    assert (report.anonymised, report.deleted) == (1, 0)
    stored = "\n".join(_every_stored_value(world))
    assert "Old complaint text" not in stored and "Old note text" not in stored
    assert "New text" in stored
    assert apply_retention(world.ctx, Actor.system("retention")).anonymised == 0  # done once


def test_retention_can_delete_instead(world: World) -> None:
    old = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), old.id, "Delete me")
    send_agent_reply(
        world.ctx, world.actor(world.agent), old.id, "I will call you by tomorrow 5pm."
    )
    set_team_policy(world.ctx, ADMIN, world.team.id, retention_days=7, retention_mode="delete")
    _age(world, 8)
    assert apply_retention(world.ctx, Actor.system("retention")).deleted == 1
    with world.ctx.sessions() as session:
        assert session.get(Conversation, old.id) is None
        gone = session.execute(text("SELECT count(*) FROM turns")).scalar()
        kept = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "conversation.deleted")
        ).all()
    assert gone == 0 and kept == ["conversation.deleted"]


def test_erasing_a_customer_removes_their_data_and_the_audit_keeps_that_it_happened(
    world: World,
) -> None:
    customer = world.angry_customer
    conv = world.open(customer)
    add_customer_turn(
        world.ctx, Actor.for_customer(customer.id), conv.id, "I am Gail Furious, call me"
    )
    add_note(
        world.ctx, world.actor(world.agent), "Gail Furious is difficult", customer_id=customer.id
    )
    report = erase_customer(world.ctx, world.actor(world.supervisor), customer.id, "GDPR request")
    assert (report.conversations, report.notes) == (1, 1)
    stored = "\n".join(_every_stored_value(world))
    assert "Gail" not in stored and "Furious" not in stored
    with world.ctx.sessions() as session:
        erased = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "customer.erased")
        ).one()
    assert erased.entity_id == str(customer.id) and erased.after["conversations"] == 1  # type: ignore[index]


def test_agents_cannot_erase_customers(world: World) -> None:
    from calmdesk.domain import PermissionDenied

    with pytest.raises(PermissionDenied):
        erase_customer(world.ctx, world.actor(world.agent), world.calm_customer.id, "asked")


def _mail(corpus: str) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Gail Furious <gail@example.net>"
    msg["To"] = "support@localhost"
    msg["Subject"] = "Refund to " + SECRETS["iban gb"]
    msg["Message-ID"] = "<corpus-1@example.net>"
    msg.set_content(corpus)
    return bytes(msg)


def _write_through_the_newer_paths(world: World, tmp_path: Path) -> None:
    """The corpus through the write paths the intake, desk, QA, role-play, KB and P15 work
    added: email intake, the public chat and widget, practice replies and trainer comments, KB
    articles, macros, P15 case reasons and steps, QA overrides and answers, CSAT comments."""
    from calmdesk.actions import ActionContext
    from calmdesk.actions.cases import open_case, take_step
    from calmdesk.actions.csat import answer_csat, ask_csat
    from calmdesk.actions.intake import open_public_conversation
    from calmdesk.actions.kb import save_article
    from calmdesk.actions.macros import save_macro
    from calmdesk.actions.practice import comment_on_practice, practice_reply, start_practice
    from calmdesk.actions.qa import score_stored_conversations
    from calmdesk.actions.qa_review import override_criterion, respond_to_scorecard
    from calmdesk.channels.email.ingest import deliver_bytes
    from calmdesk.storage.qa import QaScorecard

    corpus = _corpus()
    short = corpus[:1900]
    agent, supervisor = world.actor(world.agent), world.actor(world.supervisor)
    mail_settings = world.ctx.settings.model_copy(update={"attachments_dir": tmp_path / "files"})
    mail_ctx = ActionContext(world.ctx.sessions, mail_settings, analyzer=world.ctx.analyzer)
    deliver_bytes(mail_ctx, _mail(corpus))
    open_public_conversation(world.ctx, name="Visitor " + SECRETS["amex"], text=corpus,
                             email="visitor@example.net", channel_label="widget")  # fmt: skip
    played = start_practice(world.ctx, agent, "abusive-refund", seed=3)
    practice_reply(world.ctx, agent, played.id, "Your card " + SECRETS["visa dashes"] + " is safe.")
    comment_on_practice(world.ctx, supervisor, played.id, "Never repeat " + SECRETS["mastercard"])
    article = ("---\ntitle: Refunds to " + SECRETS["iban fr"] + "\ntags: [refund]\n---\n"
               "We refund to the card, e.g. " + SECRETS["visa spaces"] + ".\n")  # fmt: skip
    save_article(world.ctx, ADMIN, "refunds-corpus", article, note=SECRETS["iban de"])
    save_macro(world.ctx, agent, title="Refund " + SECRETS["amex"], body="Refunded to " + short,
               team_id=world.team.id)  # fmt: skip
    conv = open_conversation(world.ctx, agent, customer_id=world.calm_customer.id,
                             channel="chat", team_id=world.team.id)  # fmt: skip
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, "Hello")
    send_agent_reply(world.ctx, agent, conv.id, "That is not our fault, we will look into it.")
    resolution = open_case(world.ctx, ADMIN, conv.id, "negotiation", short)
    take_step(world.ctx, agent, resolution.id, "offer", {"text": short})
    resolve_conversation(world.ctx, agent, conv.id, "refunded")
    ask_csat(world.ctx, Actor.system("csat"), conv.id)
    answer_csat(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, 2, short)
    score_stored_conversations(world.ctx, Actor.system("qa"))
    with world.ctx.sessions() as session:
        card = session.scalars(select(QaScorecard).where(QaScorecard.conversation_id == conv.id))
        card_id = card.one().id
    override_criterion(world.ctx, supervisor, card_id, "no_blame", "pass", short)
    respond_to_scorecard(world.ctx, agent, card_id, "dispute", short)


def test_no_payment_data_through_intake_desk_qa_practice_kb_and_p15_paths(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        _write_through_the_newer_paths(world, tmp_path)
    stored = _every_stored_value(world)
    haystacks = {"tables": "\n".join(stored), "log": caplog.text}
    leaks = {
        (name, where)
        for name, needle in _needles(False).items()
        for where, hay in haystacks.items()
        if needle in hay
    }
    assert not leaks, f"personal data found: {sorted(leaks)}"
    assert NOT_SECRET in haystacks["tables"]  # the order number went through, as written
    assert "[card ending 4242]" in haystacks["tables"]


def test_the_payment_guard_redacts_listed_columns_only(world: World) -> None:
    """Keys and hashes stay byte for byte; JSON columns are redacted string by string."""
    from calmdesk.actions.privacy_guard import scrub_value

    nested = {"offer": ["card " + SECRETS["visa spaces"], 3], "n": None, "iban": SECRETS["iban nl"]}
    assert scrub_value(nested) == {
        "offer": ["card [card ending 4242]", 3], "n": None, "iban": "[IBAN ending 4300]",
    }  # fmt: skip
    conv = world.open(world.calm_customer)
    key = "4242424242424242"  # Luhn-valid digits as a client's idempotency key: not free text
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, "Hello",
                      idempotency_key=key)  # fmt: skip
    with world.ctx.sessions() as session:
        stored = session.scalars(select(Turn.idempotency_key)).one()
    assert stored == f"c:{key}"
