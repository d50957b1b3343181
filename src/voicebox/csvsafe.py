"""CSV that spreadsheet programs open as data (OWASP "CSV injection"): every CSV the service
writes goes through `csv_bytes`.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a
formula by Excel / LibreOffice, so it gets a leading `'` (shown as text, the quote hidden). One
deliberate exception: a `+` followed only by digits (an E.164 phone number, `+79161234567`) is
left as it is — a formula of one number computes nothing, and a call platform's phone column
must read back as written. Numbers (int, Decimal, float) are data, never prefixed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE = re.compile(r"\+[0-9]+")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet should see it: text that could start a formula gets `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PHONE.fullmatch(value):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as UTF-8 CSV lines (CRLF, as RFC 4180 and spreadsheet programs expect)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [neutralise(cell) for cell in row] for row in rows
    )
    return buffer.getvalue().encode("utf-8")
