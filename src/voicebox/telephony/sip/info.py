"""DTMF in SIP INFO bodies: `application/dtmf-relay` (Signal= / Duration=) and `application/dtmf`."""

from __future__ import annotations

from sipmessage import Request

from voicebox.ids import is_ascii_digits

_DIGITS = "0123456789*#ABCD"


def parse_info_digit(req: Request) -> tuple[str, float] | None:
    """The digit and its duration (seconds) an INFO carries, or None."""
    kind = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    text = req.body.decode("utf-8", "replace")
    if kind == "application/dtmf-relay":
        signal, duration = "", 0.0
        for line in text.splitlines():
            name, _, value = line.partition("=")
            name, value = name.strip().lower(), value.strip()
            if name == "signal":
                signal = value
            elif name == "duration" and is_ascii_digits(value):
                duration = int(value) / 1000
        return _digit(signal, duration)
    if kind == "application/dtmf":
        return _digit(text.strip(), 0.0)
    return None


def _digit(value: str, duration: float) -> tuple[str, float] | None:
    value = value.strip().upper()
    if is_ascii_digits(value) and len(value) > 1:
        number = int(value)  # some send the RFC 4733 event code: 10 = *, 11 = #
        value = _DIGITS[number] if number < len(_DIGITS) else ""
    if len(value) == 1 and value in _DIGITS:
        return value, duration
    return None
