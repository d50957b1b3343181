"""Prices by destination type, per second, with customer overrides."""

from decimal import Decimal

from voicebox.billing.tariffs import DEFAULT_TARIFF, call_cost, destination_type, tariff_for


def test_destination_types():
    assert destination_type("+79991234567") == "mobile"
    assert destination_type("+74951234567") == "landline"
    assert destination_type("+78001234567") == "tollFree"
    assert destination_type("+12025550123") == "international"
    # NANP numbers do not say mobile or fixed: priced as mobile, the dearer of the two
    assert destination_type("+12025550123", "US") == "mobile"


def test_billed_per_second_rounded_up():
    per_minute = DEFAULT_TARIFF["mobile"]
    assert call_cost(60, "+79991234567") == per_minute
    assert call_cost(1, "+79991234567") == (per_minute / 60).quantize(Decimal("0.0001"))
    assert call_cost(0.2, "+79991234567") == call_cost(1, "+79991234567")
    assert call_cost(0, "+79991234567") == 0


def test_customer_overrides_and_bad_values_ignored():
    tariff = {"mobile": "6.00", "toll_free": 0, "landline": "oops", "satellite": "9"}
    prices = tariff_for(tariff)
    assert prices["mobile"] == Decimal("6.00") and prices["tollFree"] == 0
    assert prices["landline"] == DEFAULT_TARIFF["landline"] and "satellite" not in prices
    assert call_cost(30, "+79991234567", tariff=tariff) == Decimal("3.0000")
