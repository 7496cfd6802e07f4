"""Personal data is replaced before text leaves the machine and put back in the answer."""

from __future__ import annotations

import pytest

from calmdesk.analysis.redact import Redactor, luhn_ok, redact, restore

VISA_TEST = "4242 4242 4242 4242"  # a well-known test number that passes Luhn
IBAN_TEST = "DE89 3704 0044 0532 0130 00"  # the standard example IBAN


@pytest.mark.parametrize(
    ("digits", "ok"),
    [("4242424242424242", True), ("4111111111111111", True), ("4242424242424241", False)],
)
def test_luhn_ok_checks_the_card_checksum(digits: str, ok: bool) -> None:
    assert luhn_ok(digits) is ok


@pytest.mark.parametrize(
    ("text", "secret", "tag"),
    [
        (f"My card {VISA_TEST} was charged twice.", VISA_TEST, "[CARD_1]"),
        ("Card 4111-1111-1111-1111 please.", "4111-1111-1111-1111", "[CARD_1]"),
        ("Write to jo.doe+shop@example.co.uk today.", "jo.doe+shop@example.co.uk", "[EMAIL_1]"),
        ("Call me on +1 415-555-0132 after six.", "+1 415-555-0132", "[PHONE_1]"),
        ("Or (212) 555-0198 at work.", "(212) 555-0198", "[PHONE_1]"),
        (f"Refund to {IBAN_TEST} please.", IBAN_TEST, "[IBAN_1]"),
    ],
)
def test_redact_replaces_personal_data_with_placeholders(text: str, secret: str, tag: str) -> None:
    result = redact(text)
    assert secret not in result.text
    assert tag in result.text
    assert result.mapping[tag] == secret


@pytest.mark.parametrize(
    "text",
    [
        "Order 1234 5678 9012 3456 has not arrived.",  # 16 digits, fails Luhn: an order number
        "Order #4411 was due on 12/03.",
        "IBAN DE00 1234 5678 9012 3456 78 is a typo.",  # fails the mod-97 check
        "Nothing personal here at all.",
    ],
)
def test_redact_leaves_other_numbers_alone(text: str) -> None:
    assert redact(text).text == text


def test_redactor_gives_the_same_value_the_same_placeholder_across_texts() -> None:
    redactor = Redactor()
    first = redactor.redact("Mail jo@example.com now.")
    second = redactor.redact("I said JO@example.com and ann@example.com!")
    assert first.text == "Mail [EMAIL_1] now."
    assert second.text == "I said [EMAIL_1] and [EMAIL_2]!"


def test_restore_puts_emails_and_phones_back_and_masks_cards() -> None:
    result = redact(f"Card {VISA_TEST}, mail jo@example.com, phone +1 415-555-0132, {IBAN_TEST}")
    answer = "We wrote to [EMAIL_1] and [PHONE_1] about [CARD_1] and [IBAN_1]."
    assert restore(answer, result.mapping) == (
        "We wrote to jo@example.com and +1 415-555-0132 about card ending 4242 and "
        "account ending 3000."
    )


def test_restore_leaves_unknown_placeholders_and_plain_text() -> None:
    assert restore("Hello [EMAIL_7] and [NAME_1].", {}) == "Hello [EMAIL_7] and [NAME_1]."


def test_redact_then_restore_round_trips_emails_and_phones() -> None:
    text = "Reach me at jo@example.com or +44 20 7946 0958."
    result = redact(text, region="GB")
    assert "jo@example.com" not in result.text and "7946" not in result.text
    assert restore(result.text, result.mapping) == text


def test_redact_finds_what_the_storage_redaction_finds() -> None:
    # The language-model path uses the same finders as the redaction before storage: a card's
    # security code and expiry, and an IBAN written in lower case, never leave the machine.
    text = f"Card {VISA_TEST} exp 04/29 cvv 123, or pay from de89370400440532013000."
    result = redact(text)
    assert result.text == (
        "Card [CARD_1] exp [card expiry] cvv [security code], or pay from [IBAN_1]."
    )
    assert restore(result.text, result.mapping) == (
        "Card card ending 4242 exp [card expiry] cvv [security code], "
        "or pay from account ending 3000."
    )
