"""Phone numbers on SIP URIs: the Request-URI user of an inbound call read as a number of the
home region (`+74951234567`, `74951234567`, `84951234567` are one number)."""

from __future__ import annotations

import phonenumbers


def as_e164(user: str, region: str) -> str | None:
    """`user` as E.164 when it is a valid number of `region` (or international), else None."""
    raw = user.strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not digits:
        return None
    for candidate in ([raw] if raw.startswith("+") else [raw, f"+{digits}"]):
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def number_or_user(user: str, region: str) -> str:
    return as_e164(user, region) or user
