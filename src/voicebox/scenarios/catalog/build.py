"""Small builders for catalog templates: one call per state, in the scenario's JSON shape."""

from __future__ import annotations

from typing import Any

State = dict[str, Any]


def go(target: str | None) -> dict[str, str] | None:
    """A transition to `target` (None when unused)."""
    return {"title": "", "newState": target} if target else None


def text(value: str) -> dict[str, str]:
    return {"type": "text", "text": value, "file": ""}


def initial(then: str) -> State:
    return {"type": "Initial", "name": "Начало", "success": go(then)}


def dial(name: str, *, success: str, error: str) -> State:
    return {
        "type": "OutgoingCall",
        "name": name,
        "phone": "{{phone}}",
        "success": go(success),
        "error": go(error),
    }


def say(name: str, words: str, then: str, *, machine: str | None = None) -> State:
    return {
        "type": "VoiceMessage",
        "name": name,
        "announcement": text(words),
        "detectAI": "true" if machine else "false",
        "onDetectAI": go(machine),
        "success": go(then),
        "error": go(then),
    }


def branch(
    target: str,
    *,
    dtmf: str | None = None,
    words: str = "",
    keywords: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    return {
        "dtmf": dtmf,
        "words": words,
        "keywords": [{"id": kid, "name": kname, "lost": "false"} for kid, kname in keywords],
        "success": go(target),
    }


def ivr(
    name: str,
    words: str,
    branches: list[dict[str, Any]],
    *,
    invalid: str,
    no_input: str,
    otherwise: str | None = None,
    machine: str | None = None,
    wait: int = 6,
    repeats: int = 2,
    voice: bool = True,
) -> State:
    return {
        "type": "IVR",
        "name": name,
        "announcement": text(words),
        "awaitingTime": str(wait),
        "repeatCount": str(repeats),
        "voiceInput": "true" if voice else "false",
        "keyboardInput": "true",
        "immediateStt": "false",
        "inputAnalysis": branches,
        "onNoInput": go(no_input),
        "onInvalidInput": go(invalid),
        "onExpiry": go(no_input),
        "detectAI": "true" if machine else "false",
        "onDetectAI": go(machine),
        "success": go(otherwise or invalid),
        "error": go(no_input),
    }


def collect(
    name: str,
    words: str,
    variable: str,
    *,
    then: str,
    no_input: str,
    max_length: int = 1,
    voice: bool = True,
) -> State:
    return {
        "type": "Input",
        "name": name,
        "announcement": text(words),
        "awaitingTime": "7",
        "inputMaxLength": str(max_length),
        "voiceInput": "true" if voice else "false",
        "keyboardInput": "true",
        "variable": variable,
        "onNoInput": go(no_input),
        "success": go(then),
        "error": go(no_input),
    }


def condition(name: str, rules: list[tuple[str, str, str, str]], *, otherwise: str) -> State:
    return {
        "type": "Condition",
        "name": name,
        "conditions": [
            {"variable": var, "operator": op, "value": value, "success": go(target)}
            for var, op, value, target in rules
        ],
        "success": go(otherwise),
        "error": go(otherwise),
    }


def http(
    name: str,
    *,
    host: str,
    url: str,
    code_var: str,
    body_vars: dict[str, str],
    success: str,
    error: str,
    method: str = "GET",
    parameters: dict[str, str] | None = None,
) -> State:
    return {
        "type": "HTTPRequest",
        "name": name,
        "method": method,
        "protocol": "https",
        "host": host,
        "port": "443",
        "url": url,
        "headers": {"Accept": "application/json"},
        "requestParameters": parameters or {},
        "requestParametersRaw": "",
        "requestParametersType": "query" if method == "GET" else "json",
        "responseCodeVariable": code_var,
        "responseBodyVariables": body_vars,
        "success": go(success),
        "error": go(error),
    }


def transfer(name: str, number: str, *, then: str) -> State:
    return {
        "type": "Redirection",
        "name": name,
        "numberB": number,
        "extension": "",
        "success": go(then),
        "error": go(then),
    }


def pause(name: str, seconds: int, then: str) -> State:
    return {"type": "Pause", "name": name, "timeout": str(seconds), "success": go(then)}


def release(name: str = "Завершение") -> State:
    return {"type": "ReleaseCall", "name": name}


def layout(states: list[State]) -> list[State]:
    """Give the editor a readable grid: four states a row, in order."""
    for index, state in enumerate(states):
        state["x"] = 80 + (index % 4) * 320
        state["y"] = 80 + (index // 4) * 220
    return states
