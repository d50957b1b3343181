"""Instants and periods as the API takes them: unix seconds or ISO 8601, a `from` not after
its `to` (call history, call records and campaign schedules read them the same way)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from voicebox.errors import Problem, Problems

_MIN_TS = datetime(2000, 1, 1, tzinfo=UTC)
_MAX_TS = datetime(2100, 1, 1, tzinfo=UTC)


def parse_instant(value: Any) -> datetime:
    """Unix seconds (number or numeric string) or ISO 8601; a zone-less time is UTC."""
    if isinstance(value, bool):
        raise ValueError("must be unix seconds or an ISO 8601 date-time")
    if isinstance(value, int | float) or (isinstance(value, str) and _is_number(value)):
        try:
            moment = datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise ValueError("is out of range") from error
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as error:
            raise ValueError("must be unix seconds or an ISO 8601 date-time") from error
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    else:
        raise ValueError("must be unix seconds or an ISO 8601 date-time")
    if not _MIN_TS <= moment < _MAX_TS:
        raise ValueError("must be between 2000 and 2100")
    return moment.astimezone(UTC)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_period(
    start: tuple[str, Any], end: tuple[str, Any], problems: list[Problem] | None = None,
) -> tuple[datetime | None, datetime | None]:
    """The (name, raw value) pair of a period's two ends, either may be absent (None or "").

    Each bad end, and an end before the start, is a Problem named after its parameter: they
    are appended to `problems` when given (the caller reports them with its own), else raised.
    """
    found: list[Problem] = [] if problems is None else problems
    before = len(found)
    bounds: list[datetime | None] = []
    for name, raw in (start, end):
        value = None
        if raw not in (None, ""):
            try:
                value = parse_instant(raw)
            except ValueError as error:
                found.append(Problem(name, str(error)))
        bounds.append(value)
    since, until = bounds
    if since is not None and until is not None and until < since:
        found.append(Problem(end[0], f"must not be before {start[0]}"))
    if problems is None and len(found) > before:
        raise Problems(found)
    return since, until
