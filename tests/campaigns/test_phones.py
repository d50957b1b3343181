"""The cached E.164 normaliser answers exactly what plain `phonenumbers` answers."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voicebox.phones import Phone, PhoneError, PhoneNormalizer, _exact

# Country codes with very different numbering plans (fixed and variable length, shared codes,
# national prefixes, leading zeros, geographic mobiles).
PREFIXES = ["+7", "+79", "+73", "+74", "+78", "+77", "+1", "+44", "+49", "+39", "+380", "+86",
            "+55", "+61", "+81", "+375", "+998", "+33", "+34", "+90", "+971", "+52", "+54"]


def outcome(call, raw: str) -> Phone | str:
    try:
        return call(raw)
    except PhoneError:
        return "refused"


def test_random_numbers_agree_with_phonenumbers():
    rng = random.Random(20261127)
    normalise = PhoneNormalizer()
    checked = 0
    for prefix in PREFIXES:
        for _ in range(400):
            raw = prefix + "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 12)))
            assert outcome(normalise, raw) == outcome(lambda r: _exact(r, "RU"), raw), raw
            checked += 1
    # Numbers that share a cached prefix must still each be answered exactly.
    for _ in range(3000):
        raw = "+79" + "".join(rng.choice("0123456789") for _ in range(9))
        assert outcome(normalise, raw) == outcome(lambda r: _exact(r, "RU"), raw), raw
    assert checked == len(PREFIXES) * 400


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["", "+", "8", "7", "+7 ", "8 (", "+1-", "+44 (0)", "00"]),
    st.text(alphabet="0123456789 -()", min_size=1, max_size=16),
)
def test_any_spelling_agrees_with_phonenumbers(prefix, rest):
    raw = prefix + rest
    assert outcome(PhoneNormalizer(), raw) == outcome(lambda r: _exact(r, "RU"), raw)


@pytest.mark.parametrize(
    ("raw", "e164", "zone"),
    [
        ("8 (495) 123-45-67", "+74951234567", "Europe/Moscow"),
        ("+7 343 200 00 00", "+73432000000", "Asia/Yekaterinburg"),
        ("9161234567", "+79161234567", None),
        ("79161234567", "+79161234567", None),
        ("+1 650 253 0000", "+16502530000", "America/Los_Angeles"),
    ],
)
def test_examples(raw, e164, zone):
    assert PhoneNormalizer()(raw) == Phone(e164, zone)


@pytest.mark.parametrize(("raw", "message"), [("", "empty"), ("abc", "not a phone number"),
                                              ("+7123", "not a valid"), ("1" * 41, "not a")])
def test_refusals(raw, message):
    with pytest.raises(PhoneError, match=message):
        PhoneNormalizer()(raw)


@pytest.mark.parametrize("area", ["812", "813", "815", "816", "817", "818", "820", "831", "861",
                                  "862", "863", "800", "883", "87", "88"])
def test_numbers_after_a_national_prefix_digit_agree_and_are_cached(area):
    """+7 8…: parse may strip the leading 8 (the national prefix); the cached answer must match."""
    rng = random.Random(area)
    normalise = PhoneNormalizer()
    numbers = ["+7" + area + "".join(rng.choice("0123456789") for _ in range(10 - len(area)))
               for _ in range(300)]
    numbers += [f"8 {number[2:5]} {number[5:]}" for number in numbers[:100]]  # domestic spelling
    numbers += ["+7" + area + "".join(rng.choice("0123456789") for _ in range(rng.randint(3, 12)))
                for _ in range(200)]  # other lengths: stripping depends on them
    for raw in numbers:
        assert outcome(normalise, raw) == outcome(lambda r: _exact(r, "RU"), raw), raw
    learned = sum(len(table) for table in normalise._tables.values())
    assert learned < 300  # 10-digit numbers of one area share a few deciding prefixes


def test_prefixed_countries_agree_with_phonenumbers():
    """Codes whose national prefix digit can start a number (8, 0, 1…) on every length."""
    rng = random.Random(8)
    normalise = PhoneNormalizer()
    for prefix in ["+78", "+770", "+78", "+3780", "+810", "+5490", "+550", "+2410", "+610",
                   "+440", "+10", "+11", "+3750", "+3758", "+998", "+9980", "+3800", "+860"]:
        for _ in range(300):
            raw = prefix + "".join(rng.choice("0123456789") for _ in range(rng.randint(5, 12)))
            assert outcome(normalise, raw) == outcome(lambda r: _exact(r, "RU"), raw), raw


@pytest.mark.parametrize("spelling", ["+74012123456", "84012123456", "+7 (401) 212-34-56"])
def test_one_zone_for_a_number_however_it_arrives(spelling):
    """The import, /v1/sb, the CLI and the dialer read numbers through one module: a
    Kaliningrad landline is Europe/Kaliningrad everywhere (the import said Europe/Bucharest)."""
    from voicebox.phones import normalize, parse_phone, timezone_for_number

    assert PhoneNormalizer()(spelling) == Phone("+74012123456", "Europe/Kaliningrad")
    assert parse_phone(spelling) == normalize(spelling) == PhoneNormalizer()(spelling)
    assert timezone_for_number("+74012123456") == "Europe/Kaliningrad"
