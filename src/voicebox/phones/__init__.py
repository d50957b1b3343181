"""Phone numbers, one way everywhere: text → `Phone(e164, timezone)` for the abonent import,
`/v1/sb`, the CLI and the dialer's calling window.

E.164 normalisation with `phonenumbers`, fast enough for a million rows.

`phonenumbers` costs ~100 µs a number. Its answer (valid or not, the time zone) depends only on
the country code, the length and the first few digits of the national number, and how many is
read from its own metadata (phones/plan.py). So one answer is cached per deciding prefix
and is exactly the answer for every number sharing it; tests/campaigns/test_phones.py checks
this against plain `phonenumbers` on random numbers of many countries.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as phone_tz
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from voicebox.errors import InvalidInput
from voicebox.ids import is_ascii_digits
from voicebox.phones.plan import plan_for

DEFAULT_REGION = "RU"
_SEPARATORS = str.maketrans("", "", " -().\t\u00a0")
_CACHE_LIMIT = 200_000
_REWRITES = object()  # phonenumbers changes numbers of this shape: ask it every time
# phonenumbers names a zone with the same offset where the country's own zone is meant.
_ZONE_FIXES = {(7, "Europe/Bucharest"): "Europe/Kaliningrad"}


class PhoneError(ValueError):
    """The text is not a (valid) phone number; the message says which."""


class Phone(NamedTuple):
    e164: str
    timezone: str | None  # IANA zone when the number has exactly one


_CODES = {str(code): code for code in COUNTRY_CODE_TO_REGION_CODE}


def _split(digits: str) -> tuple[int, str] | None:
    """(country code, national number); codes are prefix-free, so the first fit is the one."""
    for size in (1, 2, 3):
        code = _CODES.get(digits[:size])
        if code is not None:
            return (code, digits[size:]) if len(digits) > size else None
    return None


def _describe(number: phonenumbers.PhoneNumber) -> Phone:
    """Validity and time zone with one `number_type` (what is_valid_number would compute)."""
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise PhoneError("not a valid phone number")
    assert number.country_code is not None  # a parsed number always has one
    if phonenumbers.is_number_type_geographical(kind, number.country_code):
        zones = phone_tz.time_zones_for_geographical_number(number)
    else:  # what time_zones_for_number answers, without computing the type again
        zones = phone_tz._country_level_time_zones_for_number(number)
    zone = zones[0] if len(zones) == 1 and zones[0] != phone_tz.UNKNOWN_TIMEZONE else None
    if zone is not None:
        zone = _ZONE_FIXES.get((number.country_code, zone), zone)
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
        return compact if is_ascii_digits(compact[1:]) else None
    if region != "RU" or not is_ascii_digits(compact):
        return None
    if len(compact) == 11 and compact[0] in "78":
        return "+7" + compact[1:]
    if len(compact) == 10:
        return "+7" + compact
    return None


class PhoneNormalizer:
    """Normalises numbers with a per-deciding-prefix cache; one instance per import is fine."""

    def __init__(self, region: str = DEFAULT_REGION) -> None:
        self.region = region
        # (country code, national length) → {deciding prefix → answer}
        self._tables: dict[tuple[int, int], dict[str, object]] = {}
        self._size = 0

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
        plan = plan_for(code)
        if plan is None:
            return _exact(canonical, self.region)
        length = len(national)
        table = self._tables.get((code, length))
        if table is None:
            table = self._tables[(code, length)] = {}
        known: object = None
        for size in range(min(plan.leading, length), length + 1):
            known = table.get(national[:size])
            if known is not None:
                break
        else:
            if any(p.match(national) for p in plan.prefixes):
                # parse strips a national prefix after the country code (8 of +7 812…) unless
                # the number fits and the rest does not: decided by deeper digits, and only
                # parse itself answers it. (A cache hit above shares the first `leading` digits,
                # so it had a prefix too.)
                depth = plan.prefixed_depth(national)
                if depth is None:
                    return _exact(canonical, self.region)
                known = self._learn(code, national, canonical, parse=True)
            else:
                depth = plan.depth(national)
                known = self._learn(code, national, canonical)
            table[national[:depth]] = known
        if isinstance(known, PhoneError):
            raise known
        if known is _REWRITES:
            return _exact(canonical, self.region)
        return Phone(canonical, known or None)  # type: ignore[arg-type]  # a zone name by now

    def _learn(self, code: int, national: str, canonical: str, *, parse: bool = False) -> object:
        """The answer for a number not seen yet: an error, a zone ("" for none) or _REWRITES."""
        self._size += 1
        if self._size > _CACHE_LIMIT:
            self._tables.clear()
            self._size = 0
        try:
            if parse or national.startswith("0"):  # leading zeros: parse's own bookkeeping
                phone = _exact(canonical, self.region)
            else:
                phone = _describe(PhoneNumber(country_code=code, national_number=int(national)))
        except PhoneError as error:
            return error
        return (phone.timezone or "") if phone.e164 == canonical else _REWRITES


_NORMALIZERS: dict[str, PhoneNormalizer] = {}


def normalize(text: object, *, region: str = DEFAULT_REGION) -> Phone:
    """`text` ("+7 495 123-45-67", "84951234567", "74951234567") as a `Phone`; digits without
    a plus that are not a number of `region` are tried as international. PhoneError if invalid."""
    normalizer = _NORMALIZERS.get(region)
    if normalizer is None:
        normalizer = _NORMALIZERS[region] = PhoneNormalizer(region)
    raw = str(text or "").strip()
    try:
        return normalizer(raw)
    except PhoneError:
        digits = "".join(ch for ch in raw if is_ascii_digits(ch))
        if raw.startswith("+") or not digits:
            raise
        return normalizer(f"+{digits}")


def parse_phone(text: object, *, region: str = DEFAULT_REGION, field: str = "number") -> Phone:
    """`normalize` for input from a client: InvalidInput naming `field` when it is not a number."""
    raw = str(text or "").strip()
    if not raw:
        raise InvalidInput(f"{field} is required", name=field)
    try:
        return normalize(raw, region=region)
    except PhoneError:
        raise InvalidInput(f"{field} {raw!r} is not a valid phone number", name=field) from None


def timezone_for_number(number: str) -> str | None:
    """The IANA zone of a number when it tells exactly one (landlines do; Russian mobiles
    span eleven zones and do not), else None."""
    try:
        return normalize(number).timezone
    except PhoneError:
        return None


@lru_cache(maxsize=65536)
def destination_type(number: str, home_region: str = "RU") -> str:
    """`mobile` | `landline` | `tollFree` | `international` for an E.164 number."""
    try:
        parsed = phonenumbers.parse(number, home_region)
    except phonenumbers.NumberParseException:
        return "international"
    if phonenumbers.region_code_for_number(parsed) not in (home_region, None):
        return "international"
    kind = phonenumbers.number_type(parsed)
    if kind == PhoneNumberType.TOLL_FREE:
        return "tollFree"
    if kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return "mobile"
    return "landline"
