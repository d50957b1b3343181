"""A report's columns, fixed before the first row (the file is streamed): the phone, the
abonent's own variables, the attempt summary, one column per question the scenario asks (what
the subscriber answered there) and per variable it sets, the transfer, the money."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from voicebox.text import loads_scrubbed

ASKING_KINDS = {"ivr", "input"}
SYSTEM_VARIABLES = {"phone", "callId", "campaignId", "attempt", "lastInput", "now",
                    "callerNumber"}


@dataclass(frozen=True, slots=True)
class Layout:
    custom: list[str]  # abonent variables
    questions: list[str]  # IVR / Input state names
    variables: list[str]  # variables the scenario sets
    known: frozenset[str] = frozenset()  # variables with a column of their own (or system)

    def __post_init__(self) -> None:
        known = frozenset(self.custom) | frozenset(self.variables) | SYSTEM_VARIABLES
        object.__setattr__(self, "known", known)

    @property
    def header(self) -> list[str]:
        return (["phone", *self.custom, "attempts", "status", "result", "lastCallAt",
                 "duration"]
                + [f"answer: {name}" for name in self.questions]
                + [f"variable: {name}" for name in self.variables]
                + ["otherVariables", "transfer", "transferTarget", "cost", "callId",
                   "callRecord"])


def _states(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    states = (body or {}).get("states")
    return [s for s in states if isinstance(s, dict)] if isinstance(states, list) else []


def layout_for(body: dict[str, Any] | None, sampled: Iterable[str]) -> Layout:
    """Columns for a campaign whose scenario is `body` (None: the scenario is gone)."""
    declared = (body or {}).get("customVariables")
    custom = [str(v) for v in declared if str(v) != "phone"] if isinstance(declared, list) else []
    custom += [name for name in sampled if name not in custom and name != "phone"]
    questions: list[str] = []
    variables: list[str] = []
    for state in _states(body):
        kind = str(state.get("type", "")).lower()
        if kind in ASKING_KINDS and state.get("name"):
            questions.append(str(state["name"]))
        if kind == "input" and state.get("variable"):
            variables.append(str(state["variable"]))
        if kind == "httprequest":
            if state.get("responseCodeVariable"):
                variables.append(str(state["responseCodeVariable"]))
            body_vars = state.get("responseBodyVariables")
            if isinstance(body_vars, dict):
                variables += [str(k) for k in body_vars]
    variables = [v for v in dict.fromkeys(variables) if v not in custom]
    return Layout(custom, list(dict.fromkeys(questions)), variables)


def _answers(trace: list[Any] | None) -> tuple[dict[str, list[str]], dict[str, Any] | None]:
    """What was heard per state (silence left out), and the last transfer's facts."""
    heard: dict[str, list[str]] = {}
    transfer = None
    for step in trace or ():
        if not isinstance(step, dict):
            continue
        said = [h for h in step.get("heard") or () if h]
        if said:
            heard.setdefault(str(step.get("state")), []).extend(said)
        if str(step.get("kind", "")).lower() == "redirection" and step.get("detail"):
            transfer = step["detail"]
    return heard, transfer


def row_values(layout: Layout, row: Any) -> list[Any]:
    """One abonent's cells; numbers stay numbers (Decimal for money)."""
    own = _json(row.abonent_variables)
    heard, transfer = _answers(_json(row.trace))
    values = _json(row.variables)
    known = layout.known
    other = {k: v for k, v in values.items() if k not in known and k not in own}
    started = row.started_at
    transfer = transfer or {}
    cells = [row.phone]
    cells += [_text(own.get(name)) for name in layout.custom]
    cells += [row.attempts_made, row.state,
              row.status if row.status is not None else row.last_status,
              started.isoformat(timespec="seconds") if started else "", row.duration or 0]
    cells += [" | ".join(heard[name]) if name in heard else "" for name in layout.questions]
    cells += [_text(values.get(name)) for name in layout.variables]
    cells += [json.dumps(other, ensure_ascii=False) if other else "",
              transfer.get("result", ""), transfer.get("target") or "",
              row.cost if row.cost is not None else Decimal(0), row.call_id or "",
              "yes" if row.record_path else "no"]
    return cells


_decode = loads_scrubbed  # a stored row holding a lone surrogate must not break the report


def _json(raw: str | None) -> Any:
    """A JSON column read as text (NULL and JSON null both mean nothing)."""
    return _decode(raw) or {} if raw else {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
