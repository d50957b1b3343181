"""Random scenario graphs: the validator never crashes and agrees with a naive reference."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicebox.scenarios.validate import validate_payload

KINDS = ["OutgoingCall", "VoiceMessage", "IVR", "Input", "Condition", "HTTPRequest",
         "Redirection", "Pause", "ReleaseCall"]
FIELDS = {
    "Initial": ["success"],
    "OutgoingCall": ["success", "error"],
    "VoiceMessage": ["success", "error", "onDetectAI"],
    "IVR": ["success", "error", "onNoInput", "onInvalidInput"],
    "Input": ["success", "error", "onNoInput"],
    "Condition": ["success", "error"],
    "HTTPRequest": ["success", "error"],
    "Redirection": ["success", "error"],
    "Pause": ["success"],
    "ReleaseCall": [],
}
WAITING = {"IVR", "Input", "Pause"}


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario with one Initial, unique names and random edges among its states."""
    count = draw(st.integers(min_value=1, max_value=12))
    names = [f"s{i}" for i in range(count)]
    kinds = ["Initial"] + [draw(st.sampled_from(KINDS)) for _ in range(count - 1)]
    states = []
    for name, kind in zip(names, kinds, strict=True):
        state: dict[str, Any] = {"type": kind, "name": name}
        for field in FIELDS[kind]:
            target = draw(st.none() | st.sampled_from(names))
            if target is not None:
                state[field] = {"title": "", "newState": target}
        if kind in {"VoiceMessage", "IVR", "Input"}:
            state["announcement"] = {"type": "text", "text": "ok"}
        if kind == "HTTPRequest":
            state["host"] = "api.example.ru"
        if kind == "Redirection":
            state["numberB"] = "+74951234567"
        states.append(state)
    return {"title": "random", "states": states}


def edges_of(body: dict[str, Any]) -> dict[str, list[str]]:
    return {
        s["name"]: [s[f]["newState"] for f in FIELDS[s["type"]] if s.get(f)]
        for s in body["states"]
    }


def reference_reachable(graph: dict[str, list[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def reference_busy_cycle(graph: dict[str, list[str]], kinds: dict[str, str]) -> bool:
    busy = {n for n, k in kinds.items() if k not in WAITING}
    sub = {n: [t for t in graph[n] if t in busy] for n in busy}
    return any(n in reference_reachable(sub, t) for n in busy for t in sub[n])


def flagged(problems: list[Any], fragment: str) -> set[str]:
    return {p.message.split('"')[1] for p in problems if fragment in p.message}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(graphs())
def test_validator_agrees_with_reference(body):
    problems = validate_payload(body)
    graph = edges_of(body)
    kinds = {s["name"]: s["type"] for s in body["states"]}
    live = reference_reachable(graph, "s0")
    assert flagged(problems, "cannot be reached") == set(graph) - live
    ends = {n for n in graph if kinds[n] == "ReleaseCall"}
    stuck = {n for n in graph if not reference_reachable(graph, n) & ends}
    assert flagged(problems, "reaches a ReleaseCall") == stuck
    assert bool(flagged(problems, "spin in it forever")) == reference_busy_cycle(graph, kinds)
    assert (problems == []) == (not set(graph) - live and not stuck
                                and not reference_busy_cycle(graph, kinds))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(
    ["success", "error", "announcement", "inputAnalysis", "conditions", "awaitingTime", "port",
     "host", "url", "method", "numberB", "variable", "timeout", "keywords", "x", "name"]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(graphs(), st.lists(st.tuples(st.integers(0, 11), field_names, json_values), max_size=6))
def test_validator_never_crashes_on_garbage(body, damage):
    for index, field, value in damage:
        state = body["states"][index % len(body["states"])]
        state[field] = value
    problems = validate_payload(body)
    assert all(p.name and p.message for p in problems)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_any_json_document_gives_problems_not_errors(document):
    problems = validate_payload(document)
    assert problems, "an arbitrary document is never a valid scenario"
