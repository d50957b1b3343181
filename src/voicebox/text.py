"""Text checks every input shares, and the scrubbing every reader of stored text relies on.

Two kinds of string cannot leave the service: a lone surrogate (JSON `"\\udc00"`), which has no
UTF-8 form, so every response, report and log line holding it fails; and NUL (U+0000), which
PostgreSQL text and JSONB refuse while SQLite stores it. A client sending either gets a named
400 (`find_bad_text`, `refuse_bad_text`); text from a third party (an HTTP step's answer) and any
stored row that somehow holds one are replaced with U+FFFD (`clean_text`, `scrub`,
`loads_scrubbed`), so no row can break a read.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import AfterValidator

from voicebox.nesting import MAX_DEPTH, deeper_than

NUL_MESSAGE = "must not contain the NUL character (\\u0000)"
SURROGATE_MESSAGE = "must be valid Unicode text (a lone surrogate such as \\udc00 is not)"

_BAD = re.compile("[\x00\ud800-\udfff]")
# In raw JSON text: a NUL or surrogate escape, or the characters themselves.
_BAD_IN_JSON = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])|[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def bad_text_message(text: str) -> str | None:
    """Why `text` cannot be stored or sent, or None when it can."""
    found = _BAD.search(text)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def find_bad_text(value: Any, where: str = "") -> tuple[str, str] | None:
    """(location, message) of the first bad string in `value`'s keys and values, else None.

    Locations read like validation errors: `data.name`, `states[0].name`.
    """
    if isinstance(value, str):
        message = bad_text_message(value)
        return None if message is None else (where, message)
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (message := bad_text_message(key)) is not None:
                return where, f"a key {message}"  # the object is named: the key has no name
            inner = f"{where}.{key}" if where else str(key)
            if (found := find_bad_text(item, inner)) is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := find_bad_text(item, f"{where}[{index}]")) is not None:
                return found
    return None


def refuse_bad_text(value: Any) -> Any:
    """A pydantic validator: the value unchanged, or a ValueError naming the problem
    (a NUL or a lone surrogate anywhere in it)."""
    found = find_bad_text(value)
    if found is not None:
        raise ValueError(found[1] + (f" (at {found[0]})" if found[0] else ""))
    return value


CleanStr = Annotated[str, AfterValidator(refuse_bad_text)]


def loads_checked(raw: str | bytes) -> Any:
    """`json.loads` for a client's nested JSON (a string holding JSON, an uploaded JSON part):
    a ValueError, as for bad JSON, when it holds a NUL or a lone surrogate or nests too deep."""
    try:
        data = json.loads(raw)
        too_deep = deeper_than(data, MAX_DEPTH)
    except RecursionError:
        too_deep = True
    if too_deep:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted")
    return refuse_bad_text(data)


def clean_text(text: str) -> str:
    """`text` with each NUL and lone surrogate replaced by U+FFFD."""
    return _BAD.sub(REPLACEMENT, text) if _BAD.search(text) else text


def scrub(value: Any) -> Any:
    """JSON data with `clean_text` applied to every key and string (for third-party data)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {scrub(key): scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


def loads_scrubbed(raw: str | bytes) -> Any:
    """`json.loads` for stored JSON: whatever a row holds, the result can be sent and stored."""
    data = json.loads(raw)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return scrub(data) if _BAD_IN_JSON.search(raw) else data


_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
_LATIN = re.compile("[a-z]", re.IGNORECASE)


def detect_language(text: str) -> str:
    """"en" when the text has more Latin than Cyrillic letters, else "ru" (digits-only prompts
    are read in Russian, the platform's main language)."""
    return "en" if len(_LATIN.findall(text)) > len(_CYRILLIC.findall(text)) else "ru"


def within_one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` are at most one insertion, deletion or substitution apart."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return a[i + 1:] == b[i + 1:] if len(a) == len(b) else a[i:] == b[i + 1:]
    return True
