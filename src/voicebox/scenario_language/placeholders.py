"""The `{{name}}` / `{{name|default}}` template grammar used by every text field of a scenario.

Names are letters, digits, `_`, `.` and `-` (Cyrillic allowed); spaces inside the braces are
ignored. A missing variable renders empty and is reported; with a default it renders the default
(also when the value is an empty string) and is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

PLACEHOLDER = re.compile(r"\{\{\s*([\w.\-]+)\s*(?:\|([^}]*))?\}\}")

# Variables the engine sets on every call (DESIGN.md §3), with what they hold.
SYSTEM_VARIABLES: dict[str, str] = {
    "phone": "the abonent's number (E.164)",
    "callerNumber": "the number the call comes from (cgPN)",
    "callId": "this call's id",
    "campaignId": "the campaign's id",
    "scenarioId": "the scenario's id",
    "attempt": "the attempt number of this call to the abonent, from 1",
    "lastInput": "the last digits or words heard from the abonent",
    "lastIntent": "the name of the last keyword intent recognised, if any",
    "now": "the current date and time, ISO 8601 with offset",
    "today": "the current date, YYYY-MM-DD",
    "duration": "seconds since the call was answered",
}


def placeholders(text: str | None) -> set[str]:
    """Every variable name referenced in `text`."""
    if not text or "{{" not in text:
        return set()
    return {match.group(1) for match in PLACEHOLDER.finditer(text)}


@lru_cache(maxsize=4096)
def _compiled(text: str) -> tuple[tuple[tuple[str, str, str | None], ...], str]:
    """`text` split once into (literal before, name, default) triples and the tail."""
    triples = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        default = match.group(2)
        triples.append((text[position : match.start()], match.group(1),
                        None if default is None else default.strip()))
        position = match.end()
    return tuple(triples), text[position:]


def render(text: str | None, variables: Mapping[str, object]) -> tuple[str, set[str]]:
    """`text` with placeholders replaced, and the names that were missing (rendered empty)."""
    if not text:
        return "", set()
    if "{{" not in text:
        return text, set()
    triples, tail = _compiled(text)
    missing: set[str] = set()
    out: list[str] = []
    for literal, name, default in triples:
        value = variables.get(name)
        if value is None or (default is not None and value == ""):
            if default is None:
                missing.add(name)
                value = ""
            else:
                value = default
        out.append(literal)
        out.append(value if type(value) is str else str(value))
    out.append(tail)
    return "".join(out), missing
