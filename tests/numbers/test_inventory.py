"""Reading numbers, masks and inventory rows; the catalog's derivations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from voicebox.errors import InvalidInput
from voicebox.numbers import catalog
from voicebox.numbers.inventory import enum_value, inventory_row, like_pattern, normalize_number


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("74951234567", "74951234567"),
        (74951234567, "74951234567"),
        ("+7 (495) 123-45-67", "74951234567"),
        ("84951234567", "74951234567"),
        ("88001234567", "78001234567"),
        ("4951234567", "74951234567"),
        ("+375291234567", "375291234567"),
    ],
)
def test_normalize_number(raw, digits):
    assert normalize_number(raw) == digits


@pytest.mark.parametrize(
    "raw", ["", "abc", "7495123456x", "123", "7" * 16, "٧٤٩٥١٢٣٤٥٦٧", "7495\x00"]
)
def test_normalize_number_refuses(raw):
    with pytest.raises(InvalidInput) as caught:
        normalize_number(raw, field="orderItemNumber")
    assert caught.value.name == "orderItemNumber"


@pytest.mark.parametrize(
    ("mask", "pattern"),
    [
        ("749512%", "749512%"),
        ("+7495___", "7495___"),
        ("7495\\%", "7495\\\\%"),
        ("' OR 1=1 --", "' OR 1=1 --"),
    ],
)
def test_like_pattern_keeps_wildcards_and_escapes_backslashes(mask, pattern):
    assert like_pattern(mask) == pattern


@pytest.mark.parametrize("mask", ["", "  ", "+", "7" * 21, "74\t95"])
def test_like_pattern_refuses(mask):
    with pytest.raises(InvalidInput):
        like_pattern(mask)


def test_enum_value():
    assert enum_value(" gold ", ["GOLD"], "category") == "GOLD"
    assert enum_value("", ["GOLD"], "category") is None
    with pytest.raises(InvalidInput, match="known: GOLD"):
        enum_value("PLATINUM", ["GOLD"], "category")


@pytest.mark.parametrize(
    ("number", "category"),
    [
        ("74951237777", "GOLD"),
        ("74951200000", "GOLD"),
        ("74951231122", "SILVER"),
        ("74951231212", "SILVER"),
        ("74951235000", "SILVER"),
        ("74951234567", "SILVER"),
        ("74951234500", "BRONZE"),
        ("74951234588", "BRONZE"),
        ("74951234589", "REGULAR"),
    ],
)
def test_category_of(number, category):
    assert catalog.category_of(number) == category


@pytest.mark.parametrize(
    ("number", "type_", "region"),
    [
        ("74951234589", "ABC", "MOW"),
        ("78121234589", "ABC", "SPE"),
        ("73812123458", "ABC", "OMS"),
        ("74212123458", "ABC", "KHA"),
        ("79161234589", "DEF", "MOW"),
        ("78001234589", "8800", "RU"),
        ("73011234589", "ABC", None),
    ],
)
def test_type_and_region_of(number, type_, region):
    assert catalog.number_type(number) == type_
    found = catalog.region_of(number)
    assert (found.code if found else None) == region


def test_inventory_row_derives_what_is_missing():
    row = inventory_row("+7 (812) 123-45-89")
    assert row["number"] == "78121234589"
    assert (row["type"], row["region_code"], row["region_name"]) == (
        "ABC",
        "SPE",
        "Санкт-Петербург",
    )
    assert row["category"] == "REGULAR" and row["monthly_fee"] == Decimal(500)
    given = inventory_row(
        "73011234589", region_code="bu", region_name="Бурятия", category="gold", monthly_fee="99.5"
    )
    assert (given["region_code"], given["category"], given["monthly_fee"]) == (
        "BU",
        "GOLD",
        Decimal("99.5"),
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"number": "73011234589"}, "region_code"),
        ({"number": "74951234589", "region_code": "ZZ"}, "region_name"),
        ({"number": "74951234589", "monthly_fee": "-1"}, "monthly_fee"),
        ({"number": "74951234589", "monthly_fee": "1e12"}, "monthly_fee"),
        ({"number": "74951234589", "monthly_fee": "NaN"}, "monthly_fee"),
        ({"number": "74951234589", "monthly_fee": "lots"}, "monthly_fee"),
        ({"number": "74951234589", "type_": "VOIP"}, "type"),
        ({"number": "74951234589", "owner": "M T T"}, "owner"),
    ],
)
def test_inventory_row_refuses(kwargs, field):
    number = kwargs.pop("number")
    with pytest.raises(InvalidInput) as caught:
        inventory_row(number, **kwargs)
    assert caught.value.name == field
