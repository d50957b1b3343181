"""The one way a problem names its field: `states[3].inputAnalysis[0].dtmf`.

Every layer (request parsing, the scenario validator, campaign and simulation schemas) renders
pydantic's `loc` through here, so a client can put each problem on its field.
"""

from __future__ import annotations

from collections.abc import Iterable


def field_path(loc: Iterable[str | int], prefix: str = "") -> str:
    """`("states", 3, "inputAnalysis", 0, "dtmf")` → `states[3].inputAnalysis[0].dtmf`."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text
