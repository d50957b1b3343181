"""Announcements that play an uploaded audio file must name one of the customer's files; the
pure validator cannot know them, so the service passes the ids in (docs/api.md, Audio files)."""

from __future__ import annotations

from voicebox.errors import Problem
from voicebox.ids import ascii_int
from voicebox.scenario_language.format import ScenarioBody


def file_problems(body: ScenarioBody, known_ids: set[int]) -> list[Problem]:
    """A problem for every `announcement.type: file` whose `file` is not an existing id."""
    problems: list[Problem] = []
    for index, state in enumerate(body.states):
        announcement = getattr(state, "announcement", None)
        # A state kind without announcements keeps an extra `announcement` as a plain dict.
        if announcement is None or getattr(announcement, "type", None) != "file":
            continue
        ref = (announcement.file or "").strip()
        if not ref:
            message = "the announcement plays a file but names none (give its id)"
        elif ascii_int(ref, low=1) not in known_ids:
            message = (f"audio file {ref!r} does not exist; upload it with "
                       "POST /v1/customers/{customer_id}/audio and use its id")
        else:
            continue
        problems.append(Problem(f"states[{index}].announcement.file",
                                f'State "{state.name}": {message}'))
    return problems
