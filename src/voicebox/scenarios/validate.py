"""Scenario validation: every problem at once, each naming the state and the field.

Names follow the JSON path of the offending value (`states[3].success`,
`states[2].inputAnalysis[1].dtmf`); messages start with the state's name so a person can find it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from voicebox.errors import Problem
from voicebox.field_paths import field_path
from voicebox.scenario_language.format import (
    STATE_KINDS,
    BaseState,
    InitialState,
    ReleaseCallState,
    ScenarioBody,
)
from voicebox.scenarios import checks
from voicebox.scenarios.graph import WAITING_KINDS, cycles, reachable, reaching


def parse(data: Any) -> tuple[ScenarioBody | None, list[Problem]]:
    """The typed scenario, or the reasons it cannot be read at all."""
    try:
        return ScenarioBody.model_validate(data), []
    except ValidationError as error:
        return None, [_problem_from_pydantic(item) for item in error.errors()]


def validate_payload(data: Any) -> list[Problem]:
    """Parse and validate a client's JSON; an empty list means valid."""
    body, problems = parse(data)
    return problems if body is None else validate(body)


def validate(body: ScenarioBody) -> list[Problem]:
    """Every problem of a parsed scenario; an empty list means valid."""
    problems: list[Problem] = []
    problems += _structure(body)
    problems += _graph(body)
    defined = checks.defined_variables(body)
    for index, state in enumerate(body.states):
        where = f"states[{index}]"
        problems += [
            Problem(f"{where}.{field}", f'State "{state.name}": {message}')
            for field, message in checks.state_problems(state, defined)
        ]
    return problems


def _problem_from_pydantic(item: Any) -> Problem:
    loc = list(item.get("loc", ()))
    # A discriminated union inserts the kind's tag after the index: drop it.
    kept = [
        part
        for position, part in enumerate(loc)
        if not (
            isinstance(part, str)
            and part in STATE_KINDS.values()
            and position >= 2
            and loc[position - 2] == "states"
        )
    ]
    return Problem(field_path(kept) or "body", str(item.get("msg", "invalid value")))


def _structure(body: ScenarioBody) -> list[Problem]:
    problems: list[Problem] = []
    initials = [i for i, s in enumerate(body.states) if isinstance(s, InitialState)]
    if not initials:
        problems.append(Problem("states", "The scenario has no Initial state"))
    for index in initials[1:]:
        problems.append(
            Problem(
                f"states[{index}].type",
                f'State "{body.states[index].name}": a second Initial state '
                f'(the first is "{body.states[initials[0]].name}")',
            )
        )
    seen: dict[str, int] = {}
    known = {state.name for state in body.states}
    for index, state in enumerate(body.states):
        if not state.name.strip():
            problems.append(Problem(f"states[{index}].name", "A state needs a name"))
        elif state.name in seen:
            problems.append(
                Problem(
                    f"states[{index}].name",
                    f'State "{state.name}": the name is already used by states[{seen[state.name]}]',
                )
            )
        else:
            seen[state.name] = index
        for field, edge in state.transitions().items():
            if edge.newState and edge.newState not in known:
                problems.append(
                    Problem(
                        f"states[{index}].{field}",
                        f'State "{state.name}": transition to unknown state "{edge.newState}"',
                    )
                )
    return problems


def edges(body: ScenarioBody) -> dict[str, list[str]]:
    """The transition graph by state name (the first state of a duplicated name wins)."""
    graph: dict[str, list[str]] = {}
    for state in body.states:
        if state.name in graph:
            continue
        targets = [edge.newState for edge in state.transitions().values()]
        graph[state.name] = [target for target in targets if target]
    return graph


def _first_index(body: ScenarioBody) -> Iterator[tuple[int, BaseState]]:
    names: set[str] = set()
    for index, state in enumerate(body.states):
        if state.name not in names:
            names.add(state.name)
            yield index, state


def _graph(body: ScenarioBody) -> list[Problem]:
    problems: list[Problem] = []
    graph = edges(body)
    order = list(_first_index(body))
    initial = body.initial()
    live = reachable(graph, initial.name) if initial else set(graph)
    ending = reaching(graph, [s.name for s in body.states if isinstance(s, ReleaseCallState)])
    for index, state in order:
        if state.name not in live:
            problems.append(
                Problem(
                    f"states[{index}]",
                    f'State "{state.name}" cannot be reached from the Initial state',
                )
            )
        if state.name not in ending:
            problems.append(
                Problem(
                    f"states[{index}]",
                    f'State "{state.name}": no path from here reaches a ReleaseCall state',
                )
            )
    position = {state.name: index for index, state in order}
    busy = [s.name for _, s in order if getattr(s, "type", None) not in WAITING_KINDS]
    for group in cycles(graph, busy):
        first = min(group, key=position.__getitem__)
        loop = " → ".join(sorted(group, key=position.__getitem__))
        problems.append(
            Problem(
                f"states[{position[first]}]",
                f'State "{first}": the cycle {loop} waits for no input and has no Pause, '
                "so a call would spin in it forever",
            )
        )
    return problems
