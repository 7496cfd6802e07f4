"""Checks on what callers send, raising calmdesk's own errors with messages that say what to do."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from calmdesk.domain import EmptyInput, InputTooLarge, MalformedInput, UnsupportedValue

__all__ = ["clean_text", "parse_enum"]

E = TypeVar("E", bound=StrEnum)


def clean_text(value: object, what: str, max_chars: int) -> str:
    """A stripped, non-empty, printable text no longer than `max_chars`."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"The {what} is not valid UTF-8 text.") from exc
    if not isinstance(value, str):
        raise MalformedInput(f"The {what} must be text, not {type(value).__name__}.")
    if "\x00" in value:
        raise MalformedInput(f"The {what} contains binary data (NUL bytes); send plain text.")
    text = value.strip()
    if not text:
        raise EmptyInput(f"The {what} is empty; write something first.")
    if len(text) > max_chars:
        raise InputTooLarge(f"The {what} has {len(text)} characters; the limit is {max_chars}.")
    return text


def parse_enum(enum: type[E], value: object, what: str) -> E:
    """`value` as a member of `enum`, or UnsupportedValue listing the accepted values."""
    try:
        return enum(str(value))
    except ValueError as exc:
        allowed = ", ".join(m.value for m in enum)
        raise UnsupportedValue(f"{what} {value!r} is not one of: {allowed}.") from exc
