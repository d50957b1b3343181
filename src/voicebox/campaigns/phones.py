"""E.164 normalisation with `phonenumbers`, fast enough for a million rows.

`phonenumbers` costs ~100 µs a number. Its answer (valid or not, the time zone) depends only on
the country code, the length and a prefix of the national number: every pattern in its metadata
ends in free digits (`…\\d{4}`). We read how many trailing digits are free for each country code
from the metadata itself, so a cached answer for one number is exactly the answer for every number
that shares that prefix and length. tests/campaigns/test_phones.py checks this against plain
`phonenumbers` on random numbers of many countries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as phone_tz
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.tzdata import TIMEZONE_DATA

DEFAULT_REGION = "RU"
_SEPARATORS = str.maketrans("", "", " -().\t\u00a0")
_DESCS = (
    "general_desc",
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
    "no_international_dialling",
)
_GEOGRAPHIC = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_CACHE_LIMIT = 200_000
_MISS = object()
_REWRITES = object()  # phonenumbers changes numbers of this shape: ask it every time


class PhoneError(ValueError):
    """The text is not a (valid) phone number; the message says which."""


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str
    timezone: str | None  # IANA zone when the number has exactly one


def _is_any_digit(items) -> bool:
    items = list(items)
    if len(items) != 1 or items[0][0] is not sre_c.IN:
        return False
    members = items[0][1]
    return members in (
        [(sre_c.CATEGORY, sre_c.CATEGORY_DIGIT)],
        [(sre_c.RANGE, (48, 57))],
    )


def _free_tail(items) -> int:
    """How many trailing digits of any full match of `items` may be any digit at all."""
    free = 0
    for op, arg in reversed(list(items)):
        if op is sre_c.IN and _is_any_digit([(op, arg)]):
            free += 1
            continue
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and _is_any_digit(arg[2]):
            free += arg[0]
            if arg[0] == arg[1]:
                continue
            return free
        if op is sre_c.SUBPATTERN:
            return free + _free_tail(arg[-1])
        if op is sre_c.BRANCH:
            return free + min(_free_tail(branch) for branch in arg[1])
        return free
    return free


def _max_width(pattern: str | None) -> int:
    if not pattern:
        return 0
    width = sre_parse.parse(pattern).getwidth()[1]
    return 10**6 if width >= sre_c.MAXREPEAT else width


@cache
def _shape(country_code: int) -> tuple[int, int]:
    """(free trailing digits, leading digits that always matter) for a country code."""
    free = 10**6
    leading = 0
    for region in COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        if metadata is None:
            continue
        for name in _DESCS:
            desc = getattr(metadata, name, None)
            pattern = getattr(desc, "national_number_pattern", None)
            if pattern:
                free = min(free, _free_tail(sre_parse.parse(pattern)))
        for pattern in (metadata.national_prefix_for_parsing, metadata.leading_digits):
            leading = max(leading, _max_width(pattern))
    # Time zones are found by the longest matching prefix of country code + number.
    code = str(country_code)
    longest = max((len(key) for key in TIMEZONE_DATA if key.startswith(code)), default=0)
    leading = max(leading, longest - len(code))
    return (0 if free == 10**6 else free), leading


@cache
def _prefixes(country_code: int) -> tuple[re.Pattern[str], ...]:
    """The national prefixes `phonenumbers.parse` may strip after this country code."""
    found = []
    for region in COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        if metadata is not None and metadata.national_prefix_for_parsing:
            found.append(re.compile(metadata.national_prefix_for_parsing))
    return tuple(found)


def _split(digits: str) -> tuple[int, str] | None:
    for size in (1, 2, 3):
        code = int(digits[:size]) if digits[:size] else 0
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[size:]
    return None


def _describe(number: phonenumbers.PhoneNumber) -> Phone:
    """Validity and time zone with one `number_type` (what is_valid_number would compute)."""
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise PhoneError("not a valid phone number")
    if phonenumbers.is_number_type_geographical(kind, number.country_code):
        zones = phone_tz.time_zones_for_geographical_number(number)
    else:  # what time_zones_for_number answers, without computing the type again
        zones = phone_tz._country_level_time_zones_for_number(number)
    zone = zones[0] if len(zones) == 1 and zones[0] != phone_tz.UNKNOWN_TIMEZONE else None
    return Phone(phonenumbers.format_number(number, PhoneNumberFormat.E164), zone)


def _exact(text: str, region: str) -> Phone:
    """Plain `phonenumbers`: the reference behaviour."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise PhoneError("not a phone number") from error
    return _describe(number)


def _canonical(text: str, region: str) -> str | None:
    """`+<digits>` for the unambiguous spellings, else None (left to `phonenumbers`)."""
    compact = text.translate(_SEPARATORS)
    if compact.startswith("+"):
        return compact if compact[1:].isdigit() else None
    if region != "RU" or not compact.isdigit():
        return None
    if len(compact) == 11 and compact[0] in "78":
        return "+7" + compact[1:]
    if len(compact) == 10:
        return "+7" + compact
    return None


class PhoneNormalizer:
    """Normalises numbers with a per-prefix cache; one instance per import is fine."""

    def __init__(self, region: str = DEFAULT_REGION) -> None:
        self.region = region
        self._cache: dict[tuple[int, int, str], object] = {}

    def __call__(self, raw: str) -> Phone:
        text = raw.strip()
        if not text:
            raise PhoneError("empty phone number")
        if len(text) > 40:
            raise PhoneError("not a phone number")
        canonical = _canonical(text, self.region)
        split = _split(canonical[1:]) if canonical else None
        if canonical is None or split is None:
            return _exact(text, self.region)
        code, national = split
        free, leading = _shape(code)
        keep = len(national) - free
        if free == 0 or keep < leading:
            return _exact(canonical, self.region)
        key = (code, len(national), national[:keep])
        known = self._cache.get(key, _MISS)
        if known is _MISS:
            known = self._learn(key, canonical)
        if isinstance(known, PhoneError):
            raise known
        if known is _REWRITES:
            return _exact(canonical, self.region)
        return Phone(canonical, known)  # type: ignore[arg-type]

    def _learn(self, key: tuple[int, int, str], canonical: str) -> object:
        code, _, _ = key
        national = canonical[1 + len(str(code)) :]
        try:
            # Leading zeros and national prefixes (RU "8…") need parse's own bookkeeping.
            if national.startswith("0") or any(p.match(national) for p in _prefixes(code)):
                phone = _exact(canonical, self.region)
            else:
                phone = _describe(PhoneNumber(country_code=code, national_number=int(national)))
        except PhoneError as error:
            known: object = error
        else:
            known = phone.timezone if phone.e164 == canonical else _REWRITES
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = known
        return known
