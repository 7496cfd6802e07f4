"""What ties a mail thread to its conversation: the reply token in the subject (`[#CD-<token>]`)
or the address (`+cd-<token>@`), and the reply prefixes a subject is read without."""

from __future__ import annotations

import hashlib
import hmac
import re

from calmdesk.actions.context import ActionContext, Actor

__all__ = ["ACTOR", "ADDRESS_TOKEN", "RE_PREFIX", "SUBJECT_TOKEN", "reply_token"]

SUBJECT_TOKEN = re.compile(r"\[#CD-(\d{1,10})-([0-9a-f]{10})\]")
ADDRESS_TOKEN = re.compile(r"\+cd-(\d{1,10})-([0-9a-f]{10})@")
RE_PREFIX = re.compile(r"^\s*((re|aw|sv|antw|fw|fwd|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
ACTOR = Actor.system("mail")


def reply_token(ctx: ActionContext, conversation_id: int) -> str:
    """`<id>-<10 hex>`: names one conversation, and cannot be guessed for another."""
    mac = hmac.new(
        ctx.settings.secret_key.encode(), f"calmdesk.reply.v1:{conversation_id}".encode(),
        hashlib.sha256,
    ).hexdigest()[:10]  # fmt: skip
    return f"{conversation_id}-{mac}"
