"""Messages built by hand for the email tests."""

from __future__ import annotations


def message(
    body: str = "Hello, my parcel 1042 is late again.",
    *,
    sender: str = "Dana Buyer <dana@example.com>",
    subject: str = "Where is my parcel?",
    message_id: str | None = "<m1@example.com>",
    headers: str = "",
    content_type: str = "text/plain; charset=utf-8",
) -> bytes:
    """A plain RFC 5322 message; `headers` are extra header lines ("Name: value\\n")."""
    lines = [f"From: {sender}", "To: orders@calm.test", f"Subject: {subject}",
             "Date: Mon, 02 Mar 2026 09:00:00 +0000", "MIME-Version: 1.0",
             f"Content-Type: {content_type}"]  # fmt: skip
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    text = "\r\n".join(lines) + "\r\n" + headers.replace("\n", "\r\n") + "\r\n" + body
    return text.encode("utf-8")
