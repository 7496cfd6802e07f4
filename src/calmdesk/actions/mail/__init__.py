"""Email in and out: a received message becomes a customer turn once (`inbound`); replies go to
an outbox that the worker sends from (`outbound`). The channel's I/O (MIME parsing, IMAP, SMTP) is
in `calmdesk.channels.email`; every write it makes is here."""

from calmdesk.actions.mail.inbound import Delivered, ingest_mail, our_addresses
from calmdesk.actions.mail.mailbox import mailbox_position, save_mailbox_position
from calmdesk.actions.mail.outbound import (
    claim_due,
    delivery_states,
    mark_failed,
    mark_sent,
    queue_mail,
    queue_outbound,
)
from calmdesk.actions.mail.tokens import reply_token
from calmdesk.actions.mail.types import InboundMail, MailAttachment, OutboundMail

__all__ = [
    "Delivered",
    "InboundMail",
    "MailAttachment",
    "OutboundMail",
    "claim_due",
    "delivery_states",
    "ingest_mail",
    "mailbox_position",
    "mark_failed",
    "mark_sent",
    "our_addresses",
    "queue_mail",
    "queue_outbound",
    "reply_token",
    "save_mailbox_position",
]
