"""Guards: step limit, call time budget with onExpiry, remote hangup at any step, cancellation."""

import asyncio

import pytest

from voicebox.engine import EngineConfig, run_scenario
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import CallState, RealClock, VirtualClock
from voicebox.telephony.scripted import ScriptedCall, dtmf

BYE = {"type": "ReleaseCall", "name": "bye"}
GOODBYE = {"type": "VoiceMessage", "name": "goodbye", "announcement": {"text": "Время вышло"},
           "success": "bye"}


async def test_max_steps_stops_a_loop(run, chain):
    states = chain({"type": "Condition", "name": "a", "success": "b"},
                   {"type": "Condition", "name": "b", "success": "a"})
    outcome, call = await run(states, config=EngineConfig(max_steps=25))
    assert outcome.reason == "max_steps" and len(outcome.trace) == 25
    assert "25" in outcome.error and call.log[-1][0] == "hangup"


async def test_expiry_takes_on_expiry_branch(run, chain):
    states = chain({"type": "IVR", "name": "ask", "announcement": {"text": "Ждём"},
                    "awaitingTime": 100, "repeatCount": 5, "onExpiry": "goodbye",
                    "onNoInput": "bye"}, BYE, GOODBYE)
    outcome, call = await run(states, config=EngineConfig(max_duration=60))
    assert [s.state for s in outcome.trace] == ["start", "ask", "goodbye", "bye"]
    ask = outcome.trace[1]
    assert ask.transition == "onExpiry" and ask.error == "call time budget exhausted"
    assert ask.end == pytest.approx(60)
    assert call.played()[-1] == "Время вышло" and outcome.reason == "released"


async def test_expiry_without_branch_ends_the_call(run, chain):
    states = chain({"type": "Pause", "name": "wait", "timeout": 500}, BYE)
    outcome, call = await run(states, config=EngineConfig(max_duration=60))
    assert outcome.reason == "expired" and outcome.trace[-1].end == pytest.approx(60)
    assert call.log[-1] == ("hangup", 200) and outcome.duration == pytest.approx(57)


async def test_expiry_branch_gets_a_grace_then_stops(run, chain):
    states = chain({"type": "Pause", "name": "wait", "timeout": 500, "onExpiry": "again"},
                   BYE, {"type": "Pause", "name": "again", "timeout": 500, "success": "bye"})
    states[1]["onExpiry"] = "again"
    states = [{**s, "type": "IVR", "awaitingTime": 500, "repeatCount": 0}
              if s["name"] in ("wait", "again") else s for s in states]
    outcome, _ = await run(states, config=EngineConfig(max_duration=60, expiry_grace=20))
    assert [s.state for s in outcome.trace] == ["start", "wait", "again"]
    assert outcome.reason == "expired" and outcome.trace[-1].end == pytest.approx(80)


@pytest.mark.parametrize(("hangup_after", "stopped_in"), [
    (0.5, "hello"),  # during a prompt
    (5.0, "ask"),  # while listening
    (20.0, "wait"),  # during a pause
    (40.0, "transfer"),  # while the transfer rings
])
async def test_remote_hangup_ends_cleanly_at_any_step(run, chain, hangup_after, stopped_in):
    states = chain(
        {"type": "VoiceMessage", "name": "hello", "announcement": {"text": "x" * 40}},
        {"type": "IVR", "name": "ask", "awaitingTime": 10, "repeatCount": 0,
         "announcement": {"text": "?"}},
        {"type": "Pause", "name": "wait", "timeout": 20},
        {"type": "Redirection", "name": "transfer", "numberB": "100"},
        BYE,
    )
    outcome, call = await run(states, hangup_after=hangup_after, ring_seconds=30,
                              state=CallState.ANSWERED)
    assert outcome.reason == "remote_hangup" and outcome.status == 200
    last = outcome.trace[-1]
    assert last.state == stopped_in and last.error == "remote hangup"
    assert last.end == pytest.approx(hangup_after)
    assert outcome.duration == pytest.approx(hangup_after)
    assert ("hangup", 200) not in call.log and outcome.error is None


async def test_remote_hangup_before_answer_is_cancelled(run, chain):
    states = chain({"type": "VoiceMessage", "name": "hello", "announcement": {"text": "hi"}}, BYE)
    clock = VirtualClock()
    call = ScriptedCall(clock, [], state=CallState.RINGING)
    call.remote_hangup()
    outcome = await run_scenario(ScenarioBody.model_validate({"title": "t", "states": states}),
                                 call, clock=clock)
    assert outcome.status == 487 and not outcome.answered
    assert outcome.reason in ("not_answered", "remote_hangup")


async def test_cancelling_the_run_hangs_up(chain):
    states = chain({"type": "Pause", "name": "wait", "timeout": 1000}, BYE)
    clock = RealClock()
    call = ScriptedCall(clock, [dtmf("1")], state=CallState.ANSWERED)
    body = ScenarioBody.model_validate({"title": "t", "states": states})
    task = asyncio.create_task(run_scenario(body, call, clock=clock))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert call.state is CallState.ENDED and call.log[-1] == ("hangup", 487)


async def test_many_calls_share_one_program(chain):
    from voicebox.engine import compile_scenario

    body = ScenarioBody.model_validate({"title": "t", "states": chain(
        {"type": "IVR", "name": "ask", "announcement": {"text": "{{name}}?"},
         "inputAnalysis": [{"dtmf": "1", "success": "bye"}], "onNoInput": "bye"}, BYE)})
    program = compile_scenario(body)
    clock = VirtualClock()
    calls = [ScriptedCall(clock, [dtmf("1")] if i % 2 else [], call_id=str(i)) for i in range(50)]
    outcomes = await asyncio.gather(*(
        run_scenario(program, c, variables={"name": f"n{i}"}, clock=clock)
        for i, c in enumerate(calls)))
    assert [o.trace[1].heard for o in outcomes[:2]] == [["", ""], ["1"]]
    assert {c.played()[0] for c in calls} == {f"n{i}?" for i in range(50)}


async def test_expiry_while_dialling_cancels_the_attempt(run, chain):
    states = chain({"type": "OutgoingCall", "name": "dial", "error": "bye"}, BYE)
    outcome, call = await run(states, ring_seconds=120, config=EngineConfig(max_duration=30))
    assert outcome.status == 487 and outcome.reason == "expired" and not outcome.answered
    assert outcome.trace[-1].state == "dial" and outcome.trace[-1].end == pytest.approx(30)
    assert call.state is CallState.ENDED


async def test_an_unexpected_step_error_keeps_server_paths_out_of_the_trace(run, chain,
                                                                         monkeypatch):
    from voicebox.engine.steps.condition import ConditionStep

    async def broken(self, ctx, record):
        raise FileNotFoundError(2, "No such file or directory", "/srv/voicebox/var/audio/1/x.wav")

    monkeypatch.setattr(ConditionStep, "run", broken)
    outcome, _ = await run(chain({"type": "Condition", "name": "a", "success": "bye"}, BYE))
    errors = [step.error for step in outcome.trace if step.error]
    assert errors and all("/srv" not in error and "x.wav" not in error for error in errors)
    assert "FileNotFoundError" in errors[0]
