"""Fixtures for engine tests: scenarios from plain dicts, run on a scripted call in virtual time."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from voicebox.engine import EngineConfig, Outcome, run_scenario
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import VirtualClock
from voicebox.telephony.scripted import ScriptedCall


def _chain(*states: dict[str, Any]) -> list[dict[str, Any]]:
    """Initial → states…, each `success` pointing at the next unless given."""
    result: list[dict[str, Any]] = [{"type": "Initial", "name": "start"}]
    result.extend(states)
    for current, following in itertools.pairwise(result):
        current.setdefault("success", following["name"])
    return result


@pytest.fixture
def chain():
    return _chain


@pytest.fixture
def scenario():
    def build(states: list[dict[str, Any]], **extra: Any) -> ScenarioBody:
        return ScenarioBody.model_validate({"title": "test", "states": states, **extra})

    return build


@pytest.fixture
def run(scenario):
    """`await run(states, answers=[...], **call_options)` → (outcome, call)."""

    async def execute(
        states: list[dict[str, Any]] | ScenarioBody,
        answers: list[Any] = (),
        *,
        variables: dict[str, Any] | None = None,
        config: EngineConfig | None = None,
        clock: VirtualClock | None = None,
        http: Any = None,
        **call_options: Any,
    ) -> tuple[Outcome, ScriptedCall]:
        body = states if isinstance(states, ScenarioBody) else scenario(states)
        clock = clock or VirtualClock()
        call = ScriptedCall(clock, answers, **call_options)
        outcome = await run_scenario(
            body, call, variables={"phone": "+79990000001", **(variables or {})},
            config=config, clock=clock, http=http,
        )
        return outcome, call

    return execute
