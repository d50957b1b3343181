"""The simulated driver: behaviours from the `simulation` object, determinism, every engine path."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dialer.scenarios import survey
from voicebox.engine import EngineConfig, run_scenario
from voicebox.errors import Problems
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import CallResult, CallState, Gateway, Prompt, VirtualClock
from voicebox.telephony.registry import create_gateway
from voicebox.telephony.simulated import (
    ScaledClock,
    SimulatedGateway,
    as_heard,
    parse_simulation,
)

SURVEY = ScenarioBody.model_validate(survey())


async def run(simulation: dict[str, Any] | None, number: str = "+79990000001", attempt: int = 1):
    clock = VirtualClock()
    gateway = SimulatedGateway(clock=clock)
    call = gateway.outbound(to=number, call_id="c1",
                            options={"simulation": simulation, "attempt": attempt})
    outcome = await run_scenario(SURVEY, call, variables={"phone": number},
                                 config=EngineConfig(ring_seconds=30), clock=clock)
    return outcome, call, gateway


def path(outcome) -> list[str]:
    return [step.state for step in outcome.trace]


def test_the_gateway_meets_the_protocol_and_the_registry_builds_it():
    assert isinstance(SimulatedGateway(), Gateway)
    gateway = create_gateway("sim", time_scale=60)
    assert isinstance(gateway.clock, ScaledClock) and gateway.clock.scale == 60


def test_unknown_driver_is_a_clear_error():
    with pytest.raises(Exception, match="unknown telephony driver"):
        create_gateway("carrier-pigeon")


async def test_answer_and_press_one():
    outcome, call, gateway = await run({"default": {"result": "answer", "answerDelay": 4,
                                                    "inputs": ["1"]}})
    assert outcome.status == 200 and outcome.answered
    assert path(outcome) == ["start", "call", "greet", "ask", "yes", "end"]
    assert outcome.duration > 0
    assert call.state is CallState.ENDED and gateway.live_calls == 0


async def test_speech_answers_are_text():
    outcome, _, _ = await run({"default": {"inputs": ["нет"]}})
    assert path(outcome)[-2:] == ["no", "end"]
    assert outcome.trace[3].heard == ["нет"]


@pytest.mark.parametrize(
    ("result", "status"),
    [("busy", 486), ("noanswer", 480), ("unreachable", 404), ("failed", 503)],
)
async def test_failed_dials_map_to_sip_codes(result, status):
    outcome, _, _ = await run({"default": {"result": result}})
    assert outcome.status == status and not outcome.answered
    assert path(outcome) == ["start", "call", "end"]


@pytest.mark.parametrize(("result", "code", "status"), [
    ("failed", 603, 503), ("noanswer", 408, 480), ("unreachable", 604, 404)])
async def test_the_real_final_sip_code_reaches_the_outcome(result, code, status):
    outcome, call, _ = await run({"default": {"result": result, "code": code}})
    assert call.final_code == code and not outcome.answered
    assert (outcome.status, outcome.code) == (status, code)  # history's kind, the real code


async def test_answer_slower_than_the_ring_timeout_is_no_answer():
    outcome, _, _ = await run({"default": {"result": "answer", "answerDelay": 45}})
    assert outcome.status == 480


async def test_machine_is_detected_and_takes_the_robot_branch():
    outcome, _, _ = await run({"default": {"result": "machine"}})
    assert outcome.answered and outcome.detection["kind"] == "machine"
    assert "robot" in path(outcome)


async def test_silence_then_no_input_branch():
    outcome, _, _ = await run({"default": {"inputs": []}})
    assert path(outcome)[-2:] == ["ask", "end"]
    assert outcome.trace[3].heard == ["", ""]  # asked twice (repeatCount 1)


@pytest.mark.parametrize(
    ("transfer", "code", "edge", "reason"),
    [("answer", 200, "success", "transferred"), ("busy", 486, "error", "released")],
)
async def test_transfer_results(transfer, code, edge, reason):
    outcome, _, _ = await run({"default": {"inputs": ["0"], "transfer": transfer}})
    step = next(s for s in outcome.trace if s.state == "transfer")
    assert step.detail["code"] == code and step.transition == edge
    assert outcome.reason == reason


async def test_hangup_after_ends_the_call_early():
    outcome, _, _ = await run({"default": {"inputs": [], "hangupAfter": 2}})
    assert outcome.reason == "remote_hangup"
    assert outcome.duration == pytest.approx(2.0, abs=0.01)


async def test_rules_match_exact_numbers_and_prefixes_and_attempts():
    simulation = {
        "seed": 3,
        "default": {"result": "answer", "inputs": ["1"]},
        "rules": [
            {"match": "+79990000001", "result": "busy"},
            {"match": "+7999000*", "attempts": [{"result": "noanswer"}, {"result": "answer"}]},
        ],
    }
    sim = parse_simulation(simulation)
    assert sim.behaviour("+79990000001").result == "busy"
    assert sim.behaviour("+79990000002", 1).result == "noanswer"
    assert sim.behaviour("+79990000002", 2).result == "answer"
    assert sim.behaviour("+79990000002", 5).result == "answer"  # the last one repeats
    assert sim.behaviour("+79990000002", 2).inputs == ("1",)  # inherits the default
    assert sim.behaviour("+78120000000").result == "answer"


def test_rules_match_digit_sets():
    sim = parse_simulation({"default": {"result": "answer"},
                            "rules": [{"match": "+799900001[0-4]*", "result": "noanswer"},
                                      {"match": "79995550[135]??", "result": "busy"}]})
    assert sim.behaviour("+79990000149").result == "noanswer"
    assert sim.behaviour("+79990000150").result == "answer"
    assert sim.behaviour("+79995550312").result == "busy"
    assert sim.behaviour("+79995550212").result == "answer"


def test_realistic_defaults_are_deterministic_and_plausible():
    sim = parse_simulation(None)
    numbers = [f"+7999{n:07d}" for n in range(2000)]
    first = [sim.behaviour(n) for n in numbers]
    assert first == [parse_simulation({}).behaviour(n) for n in numbers]
    results = [b.result for b in first]
    share = {r: results.count(r) / len(results) for r in set(results)}
    assert 0.6 < share["answer"] < 0.8
    assert {"busy", "noanswer", "machine"} <= set(share)
    other_seed = parse_simulation({"seed": 2})
    assert [other_seed.behaviour(n) for n in numbers] != first


async def test_same_seed_same_trace():
    one, _, _ = await run(None, "+79991234567")
    two, _, _ = await run(None, "+79991234567")
    assert [s.to_json() for s in one.trace] == [s.to_json() for s in two.trace]
    assert one.status == two.status


@pytest.mark.parametrize(
    "bad",
    [{"default": {"result": "maybe"}}, {"rules": [{"result": "busy"}]},
     {"default": {"answerDelay": -1}}, {"default": {"inputs": "1"}}, {"seed": "x"}, [1],
     {"rules": [{"match": "+7999[a-z]*"}]}, {"rules": [{"match": "+7999[0-4*"}]}],
)
def test_bad_simulation_objects_are_rejected(bad):
    with pytest.raises(Problems):
        parse_simulation(bad)


def test_problems_name_every_bad_field():
    with pytest.raises(Problems) as caught:
        parse_simulation({"rules": [{"match": "abc", "attempts": [{"transfer": "x"}]}],
                          "seed": -1, "default": {"confidence": 2, "extra": 1}})
    assert {p.name for p in caught.value.problems} == {
        "simulation.rules[0].match", "simulation.rules[0].attempts[0].transfer", "simulation.seed",
        "simulation.default.confidence", "simulation.default.extra"}


def test_layers_and_spellings():
    sim = parse_simulation({
        "default": {"answerDelay": 4, "inputs": [1, "да"], "hangupAfter": 30},
        "rules": [
            {"match": "79990000001", "result": "No_Answer", "hangupAfter": None},
            {"match": "+7999555????", "answer_delay": 9, "bargeIn": True, "confidence": 0.4,
             "transfer": "busy"},
        ],
    })
    exact = sim.behaviour("+79990000001")  # the rule's number gains its "+"
    assert (exact.result, exact.answer_delay, exact.hangup_after) == ("noanswer", 4, None)
    pattern = sim.behaviour("+79995550000")
    assert (pattern.answer_delay, pattern.barge_in, pattern.confidence, pattern.transfer) == (
        9, True, 0.4, "busy")
    assert pattern.inputs == ("1", "да") and pattern.hangup_after == 30
    assert sim.behaviour("+799955500001").answer_delay == 4  # `?` is exactly one digit


def test_inputs_split_into_digits_and_speech():
    assert as_heard("12#").dtmf == "12#"
    assert as_heard("да").speech == "да"
    assert as_heard("  ").empty


async def test_hooks_see_prompts_and_inputs():
    clock = VirtualClock()
    gateway = SimulatedGateway(clock=clock)
    call = gateway.outbound(to="+79990000001",
                            options={"simulation": {"default": {"inputs": ["2"]}}})
    played: list[Prompt] = []
    heard: list[str] = []
    call.on_play(played.append)
    call.on_input(lambda h: heard.append(h.text))
    await run_scenario(SURVEY, call, variables={"phone": "+79990000001", "name": "Анна"},
                       clock=clock)
    assert played[0].text == "Здравствуйте, Анна!"
    assert heard == ["2"]


async def test_inbound_calls_reach_the_handler():
    clock = VirtualClock()
    gateway = SimulatedGateway(clock=clock)
    seen = []

    async def handler(call):
        seen.append(call.state)
        assert await call.answer() is CallResult.ANSWERED
        await call.hangup()

    gateway.on_incoming(handler)
    call = gateway.incoming(to="+74950000000", inputs=["1"])
    await clock.sleep(1)
    assert seen == [CallState.RINGING] and call.state is CallState.ENDED


async def test_scaled_clock_runs_faster_than_real_time():
    clock = ScaledClock(1000)
    start = clock.now()
    await clock.sleep(50)  # 50 ms real
    assert clock.now() - start >= 50
