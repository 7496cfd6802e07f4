"""The redaction that runs before anything is stored: payment data always, contacts by policy."""

from __future__ import annotations

import pytest

from calmdesk.analysis.privacy import iban_ok, luhn_ok, scrub

CARDS = [
    "4242 4242 4242 4242",  # Visa test number, spaces
    "4111-1111-1111-1111",  # dashes
    "5555555555554444",  # Mastercard, no separators
    "3782 822463 10005",  # Amex 4-6-5
    "6011 1111 1111 1117",  # Discover
]
IBANS = [
    "DE89 3704 0044 0532 0130 00",
    "GB82WEST12345698765432",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91ABNA0417164300",
    "ES91 2100 0418 4502 0005 1332",
    "BE68 5390 0754 7034",
    "CH93 0076 2011 6238 5295 7",
]
NOT_CARDS = [
    "order 4242 4242 4242 4241",  # fails Luhn
    "order 1234567890123456",  # fails Luhn
    "tracking 1Z999AA10123456784",
    "ref 12345678901234567890123",  # too long to be a card
    "call 2026-03-02 at 10:30",
]


@pytest.mark.parametrize("card", CARDS)
def test_card_numbers_are_replaced_keeping_the_last_four(card: str) -> None:
    out = scrub(f"I paid with {card} yesterday.")
    assert card not in out.text and card.replace(" ", "").replace("-", "") not in out.text
    assert f"[card ending {card[-4:]}]" in out.text and out.counts == {"card": 1}


@pytest.mark.parametrize("iban", IBANS)
def test_ibans_of_several_countries_are_replaced(iban: str) -> None:
    assert iban_ok(iban.replace(" ", ""))
    out = scrub(f"Refund to {iban}, thanks.")
    assert iban not in out.text and out.counts == {"iban": 1}
    assert out.text.endswith(", thanks.")


def test_lower_case_iban_and_one_with_a_broken_checksum() -> None:
    assert scrub("iban de89370400440532013000").counts == {"iban": 1}
    assert scrub("DE88 3704 0044 0532 0130 00").counts == {}


@pytest.mark.parametrize("text", NOT_CARDS)
def test_numbers_that_are_not_payment_data_stay(text: str) -> None:
    assert scrub(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1111 cvv 123",
        "card 4111111111111111 exp 12/27 cvc: 987",
        "4111-1111-1111-1111, 09/2028, 4321",
        "my security code is 555 and the card is 4242424242424242",
    ],
)
def test_security_codes_and_expiry_near_a_card_are_replaced(text: str) -> None:
    out = scrub(text)
    for secret in ("123", "987", "4321", "555", "12/27", "09/2028"):
        assert secret not in out.text
    assert out.counts.get("security_code") == 1


def test_contacts_are_masked_only_when_the_team_asks() -> None:
    text = "Mail jo.doe+shop@example.co.uk or call +44 20 7946 0958."
    assert scrub(text).text == text
    masked = scrub(text, mask_contacts=True)
    assert masked.text == "Mail [email] or call [phone]."


def test_scrubbing_twice_changes_nothing_more() -> None:
    once = scrub(
        "4242 4242 4242 4242 cvv 123 DE89 3704 0044 0532 0130 00 a@b.io", mask_contacts=True
    )
    assert scrub(once.text, mask_contacts=True).text == once.text


def test_luhn() -> None:
    assert luhn_ok("4242424242424242") and not luhn_ok("4242424242424241")
