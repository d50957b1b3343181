"""A dialled number as E.164, or a clear error."""

from __future__ import annotations

import phonenumbers

from voicebox.errors import InvalidInput
from voicebox.ids import is_ascii_digits


def e164(text: object, *, region: str = "RU", field: str = "number") -> str:
    """`text` ("+7 495 123-45-67", "84951234567", "74951234567") as "+74951234567"."""
    raw = str(text or "").strip()
    if not raw:
        raise InvalidInput(f"{field} is required", name=field)
    digits = "".join(ch for ch in raw if is_ascii_digits(ch))
    candidates = [raw] if raw.startswith("+") else [raw, f"+{digits}"]
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidInput(f"{field} {raw!r} is not a valid phone number", name=field)
