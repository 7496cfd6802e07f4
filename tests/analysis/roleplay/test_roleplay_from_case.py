"""Turning a real case into a scenario: personal data replaced, the customer's words kept."""

from __future__ import annotations

import pytest

from calmdesk.analysis.roleplay import Session, parse_scenario
from calmdesk.analysis.roleplay.from_case import scenario_from_case, scrub


@pytest.mark.parametrize(
    "secret",
    [
        "4111-1111-1111-1111",
        "5500 0000 0000 0004",
        "GB82 WEST 1234 5698 7654 32",
        "FR1420041010050500013M02606",
        "+49 170 1234567",
        "0161 496 0000",
        "ana.lopez@example.es",
    ],
)
def test_scrub_removes_contact_card_and_bank_details(secret: str) -> None:
    assert secret not in scrub(f"Here: {secret}, thanks", {}, {})


def test_scrub_replaces_names_and_keeps_reference_shapes_consistently() -> None:
    refs: dict[str, str] = {}
    names = {"Ana Lopez": "Sam Ellison", "Ana": "Sam", "Lopez": "Ellison"}
    first = scrub("I'm Ana Lopez, order AB-12345 is late. Ana.", names, refs)
    again = scrub("Order AB-12345 again", names, refs)
    assert "Ana" not in first and "Lopez" not in first and "Sam Ellison" in first
    fake = refs["AB-12345"]
    assert fake != "AB-12345" and fake.startswith("AB-") and len(fake) == len("AB-12345")
    assert fake in first and fake in again


def test_case_scenario_is_valid_and_abuse_needs_a_boundary() -> None:
    body = scenario_from_case(
        "case-1-abc",
        "A case",
        ["Order 55501 is late, you idiots", "Still waiting"],
        [{"upset": 0.9, "anger": 0.8, "abuse": 0.9, "cause": "delivery_delay"}, {"upset": 0.9}],
        customer_name="Ana Lopez",
    )
    scenario = parse_scenario(body, "case-1-abc")
    assert scenario.requires_boundary and "boundary" in scenario.needs
    assert scenario.cause == "C3" and scenario.temperament == "volatile"
    assert Session(scenario).opening.startswith("Order ")


def test_case_without_customer_words_is_refused() -> None:
    with pytest.raises(ValueError, match="no customer message"):
        scenario_from_case("case-2", "t", ["  "], [], customer_name="X")
