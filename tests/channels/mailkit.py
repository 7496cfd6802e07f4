"""Messages built by hand for the email tests."""

from __future__ import annotations

import base64
from typing import Any


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


def with_attachments(body: str, attachments: list[tuple[str, str, bytes]], **headers: Any) -> bytes:
    """A multipart/mixed message: `body` as text, then each (file name, content type, bytes)
    attached (text types as written, others in base64); `headers` as for `message`."""
    boundary = "b0undary"
    parts = [f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"]
    for name, kind, data in attachments:
        textual = kind.startswith("text/")
        payload = data.decode("utf-8") if textual else base64.b64encode(data).decode()
        parts.append(
            f"--{boundary}\r\nContent-Type: {kind}"
            + ("; charset=utf-8\r\n" if textual else "\r\nContent-Transfer-Encoding: base64\r\n")
            + f'Content-Disposition: attachment; filename="{name}"\r\n\r\n{payload}\r\n'
        )
    text = "".join(parts) + f"--{boundary}--\r\n"
    return message(text, content_type=f'multipart/mixed; boundary="{boundary}"', **headers)
