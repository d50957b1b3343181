"""Every catalog template driven to `ReleaseCall` down every branch.

For each edge (state, field) of a template the planner takes the shortest path from `Initial`
to the state, the edge, and the shortest path on to a `ReleaseCall`, then derives what the
scripted call must do to follow it: answers for IVR / Input, dial / transfer / detection results,
a failing prompt for `error`, variable values for `Condition` (set through the Input or the HTTP
response that feeds them), and an HTTP reply. The run must take every planned edge.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from voicebox.engine import EngineConfig, compile_scenario, run_scenario
from voicebox.engine import http as engine_http
from voicebox.engine.matching import first_match
from voicebox.scenario_language.format import ScenarioBody
from voicebox.scenario_language.keywords import get_intent
from voicebox.scenario_language.operators import canonical_operator, evaluate
from voicebox.scenarios.catalog import TEMPLATES, scenario_from_template
from voicebox.telephony.base import CallResult, CallState, Detected, Detection, Heard, VirtualClock
from voicebox.telephony.scripted import ScriptedCall

Edge = tuple[str, str]  # (state name, transition field)


@dataclass
class Plan:
    answers: list[Heard | None] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    forced: dict[str, str] = field(default_factory=dict)  # variable → value a Condition needs
    abonent: dict[str, str] = field(default_factory=dict)  # the forced ones no state sets
    http_ok: bool = True
    expire_in: str | None = None  # state whose onExpiry is the edge under test


def unreachable(program, edge: Edge) -> str | None:
    """Why an edge cannot be taken by any call, or None."""
    step = program.steps[edge[0]]
    if step.kind == "IVR" and edge[1] == "success" and step.has("onNoInput") \
            and step.has("onInvalidInput"):
        return "IVR default with both onNoInput and onInvalidInput set"
    if step.kind == "Condition" and edge[1].startswith("conditions[") \
            and solve_condition(program, step, int(edge[1][11:-1]), {}) is None:
        return "Condition rule no input can make the first true one"
    if step.kind == "Condition" and edge[1] == "error":
        rules = step.rules
        if all(canonical_operator(op) and (canonical_operator(op) != "matches" or _valid(v))
               for _, op, v in rules):
            return "Condition error with only valid rules"
    return None


def _valid(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def shortest(program, start: str, goal) -> list[Edge] | None:
    """Edges of a shortest path from `start` to a state satisfying `goal`, avoiding dead edges."""
    queue, seen = deque([(start, [])]), {start}
    while queue:
        name, path = queue.popleft()
        if goal(name):
            return path
        step = program.steps[name]
        for field_name, target in step.edges.items():
            if target not in seen and target in program.steps and \
                    unreachable(program, (name, field_name)) is None:
                seen.add(target)
                queue.append((target, [*path, (name, field_name)]))
    return None


def is_release(program):
    return lambda name: program.steps[name].kind == "ReleaseCall"


CANDIDATES = ("", "0", "1", "3", "5", "6", "7", "8", "9", "10", "11", "99", "-1", "999999",
              "ab", "abc")


def _possible(program, variable: str, value: str) -> bool:
    """Whether an Input that sets `variable` can set it to `value`."""
    for step in program.steps.values():
        if step.kind == "Input" and step.variable == variable:
            return bool(value) and (step.max_length is None or len(value) <= step.max_length)
    return True


def solve_condition(program, step, index: int | None,
                    variables: dict[str, str]) -> dict[str, str] | None:
    """Values making rule `index` the first true one (None: every rule false)."""
    names = sorted({rule[0] for rule in step.rules})
    pools = [[v for v in dict.fromkeys([*(r[2] for r in step.rules if r[0] == n), *CANDIDATES])
              if _possible(program, n, v)] for n in names]
    for combo in itertools.product(*pools):
        values = {**variables, **dict(zip(names, combo, strict=True))}
        truth = [evaluate(op, values.get(var, ""), raw) for var, op, raw in step.rules]
        first = next((i for i, t in enumerate(truth) if t), None)
        if first == index:
            return dict(zip(names, combo, strict=True))
    return None


def branch_answer(step, index: int) -> Heard:
    """An answer that the branch `index` matches and no earlier branch does."""
    matcher = step.matchers[index]
    branch = step.state.inputAnalysis[index]
    candidates: list[Heard] = []
    if matcher.dtmf:
        candidates.append(Heard(dtmf=matcher.dtmf))
    candidates += [Heard(speech=w.strip()) for w in (branch.words or "").split(",") if w.strip()]
    for keyword in branch.keywords:
        intent = get_intent(keyword.id, keyword.name)
        phrases = intent.phrases if intent else (keyword.name,)
        candidates += [Heard(speech="гм, ну" if keyword.lost else p.rstrip("*"))
                       for p in phrases]
    for heard in candidates:
        found = first_match(step.matchers, heard)
        if found is not None and found[0] == index:
            return heard
    raise AssertionError(f"no answer reaches {step.name} branch {index}")


def invalid_answer(step) -> Heard:
    for heard in (Heard(dtmf="0"), Heard(dtmf="9"), Heard(dtmf="7"), Heard(speech="абракадабра")):
        if first_match(step.matchers, heard) is None:
            return heard
    raise AssertionError(f"every answer matches a branch of {step.name}")


def prompt_marker(step) -> str:
    text = step.state.announcement.text or ""
    return max(re.split(r"\{\{[^}]*\}\}", text), key=len).strip()


def setters(program) -> dict[str, str]:
    """Variable → the Input or HTTPRequest state that sets it."""
    found = {}
    for step in program.steps.values():
        if step.kind == "Input":
            found[step.variable] = step.name
        if step.kind == "HTTPRequest":
            for variable in step.state.responseBodyVariables:
                found[variable] = step.name
    return found


def make_plan(program, path: list[Edge], variables: dict[str, str]) -> Plan:
    plan = Plan()
    sources = setters(program)
    for name, field_name in path:  # first pass: what the Conditions need
        step = program.steps[name]
        if step.kind == "Condition":
            index = int(field_name[11:-1]) if field_name.startswith("conditions[") else None
            values = solve_condition(program, step, index, {**variables, **plan.forced})
            assert values is not None, f"no values take {name} {field_name}"
            plan.forced.update(values)
    for name, field_name in path:
        step = program.steps[name]
        kind = step.kind
        if kind == "OutgoingCall" and field_name == "error":
            plan.options["dial_result"] = CallResult.BUSY
        if getattr(step.state, "detectAI", False):
            robot = field_name == "onDetectAI"
            plan.options["detection"] = Detection(
                Detected.MACHINE if robot else Detected.HUMAN, 0.95)
            if robot:
                continue
        if field_name == "error" and kind in ("VoiceMessage", "IVR", "Input"):
            plan.options["fail_prompt"] = prompt_marker(step)
            continue
        if kind == "IVR":
            if field_name.startswith("inputAnalysis["):
                plan.answers.append(branch_answer(step, int(field_name[14:-1])))
            elif field_name in ("onInvalidInput", "success"):
                plan.answers.append(invalid_answer(step))
            elif field_name == "onNoInput":
                plan.answers += [None] * step.tries
            elif field_name == "onExpiry":
                plan.answers += [None] * step.tries
                plan.expire_in = name
        elif kind == "Input":
            if field_name == "onNoInput":
                plan.answers.append(None)
            else:
                value = plan.forced.get(step.variable, "5")
                plan.answers.append(Heard(dtmf=value + "#") if value.isdigit() and step.dtmf
                                    else Heard(speech=value or "ответ"))
        elif kind == "HTTPRequest":
            plan.http_ok = field_name == "success"
        elif kind == "Redirection":
            plan.options["transfer_result"] = (
                CallResult.ANSWERED if field_name == "success" else CallResult.BUSY)
    plan.abonent = {k: v for k, v in plan.forced.items() if k not in sources}
    return plan


def http_body(program, forced: dict[str, str]) -> bytes:
    document: dict[str, Any] = {}
    for step in program.steps.values():
        if step.kind != "HTTPRequest":
            continue
        for variable, path in step.state.responseBodyVariables.items():
            node = document
            parts = str(path).removeprefix("$.").split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = forced.get(variable, "1")
    return json.dumps(document).encode()


def template_edges() -> list[tuple[str, Edge]]:
    cases = []
    for template in TEMPLATES:
        program = compile_scenario(ScenarioBody.model_validate(scenario_from_template(template)))
        for step in program.steps.values():
            cases += [(template["id"], (step.name, f)) for f in step.edges]
    return cases


async def drive(template_id: str, edge: Edge, monkeypatch) -> tuple[Any, list[Edge]]:
    template = next(t for t in TEMPLATES if t["id"] == template_id)
    body = ScenarioBody.model_validate(scenario_from_template(template))
    program = compile_scenario(body)
    why = unreachable(program, edge)
    if why:
        pytest.skip(why)
    name, field_name = edge
    head = shortest(program, program.initial, lambda n: n == name)
    tail = shortest(program, program.steps[name].edges[field_name], is_release(program))
    assert head is not None and tail is not None, f"{edge} is not on a path to ReleaseCall"
    path = [*head, edge, *tail]
    variables = {v: "1" for v in body.customVariables} | {"phone": "+79990000001"}
    plan = make_plan(program, path, variables)
    variables |= plan.abonent

    async def resolve(host, port, networks):
        return "203.0.113.10"

    monkeypatch.setattr(engine_http, "resolve_checked", resolve)
    replies = httpx.MockTransport(lambda request: httpx.Response(
        200 if plan.http_ok else 500, content=http_body(program, plan.forced)))
    state = CallState.RINGING if body.type == "incoming" else CallState.NEW

    async def once(config: EngineConfig):
        clock = VirtualClock()
        call = ScriptedCall(clock, list(plan.answers), state=state, **plan.options)
        async with httpx.AsyncClient(transport=replies) as client:
            return await run_scenario(program, call, variables=variables, config=config,
                                      clock=clock, http=client)

    config = EngineConfig()
    if plan.expire_in is not None:  # find when the state starts, then end the budget inside it
        probe = await once(config)
        begin = next(s.start for s in probe.trace if s.state == plan.expire_in)
        config = EngineConfig(max_duration=begin + 0.5)
    return await once(config), path


@pytest.mark.parametrize(("template_id", "edge"), template_edges(),
                         ids=lambda value: value if isinstance(value, str) else "→".join(value))
async def test_template_edge_reaches_release(template_id, edge, monkeypatch):
    outcome, path = await drive(template_id, edge, monkeypatch)
    taken = [(step.state, step.transition) for step in outcome.trace if step.transition]
    assert taken == path, json.dumps(outcome.to_json()["trace"], ensure_ascii=False, indent=1)
    assert outcome.trace[-1].kind == "ReleaseCall"
    assert outcome.reason in ("released", "transferred")


def test_every_template_is_explored():
    ids = {template_id for template_id, _ in template_edges()}
    assert ids == {t["id"] for t in TEMPLATES} and len(ids) >= 5
