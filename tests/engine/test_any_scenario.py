"""Property: any scenario the format accepts runs to an end on any scripted call, with a trace."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicebox.engine import EngineConfig, run_scenario
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import CallResult, CallState, Detected, Detection, VirtualClock
from voicebox.telephony.scripted import ScriptedCall, dtmf, say

NAMES = [f"s{i}" for i in range(8)]
target = st.one_of(st.none(), st.sampled_from([*NAMES, "missing"]))
text = st.sampled_from(["Привет, {{name}}", "{{x|друг}}!", "", "Нажмите 1", "{{now}}"])
announcement = st.builds(lambda t: {"type": "text", "text": t}, text)
branch = st.fixed_dictionaries({
    "dtmf": st.sampled_from([None, "1", "2", "12"]),
    "words": st.sampled_from([None, "да, конечно", "нет"]),
    "keywords": st.lists(st.fixed_dictionaries({
        "name": st.sampled_from(["Согласие", "Отказ", "нечто"]), "lost": st.booleans()}),
        max_size=2),
    "success": target,
})
rule = st.fixed_dictionaries({
    "variable": st.sampled_from(["x", "lastInput", "code", "nope"]),
    "operator": st.sampled_from(["eq", "ne", "gt", "le", "contains", "matches", "empty",
                                 "notEmpty", "bogus", "startsWith"]),
    "value": st.sampled_from(["1", "", "да", "(", "2026-01-01"]),
    "success": target,
})


def state(kind: str):
    common = {"success": target, "error": target}
    fields = {
        "OutgoingCall": {},
        "VoiceMessage": {"announcement": announcement, "detectAI": st.booleans(),
                         "onDetectAI": target},
        "IVR": {"announcement": announcement, "awaitingTime": st.integers(0, 10),
                "repeatCount": st.integers(0, 3), "inputAnalysis": st.lists(branch, max_size=3),
                "onNoInput": target, "onInvalidInput": target, "onExpiry": target,
                "voiceInput": st.booleans(), "keyboardInput": st.booleans()},
        "Input": {"announcement": announcement, "inputMaxLength": st.integers(1, 5),
                  "variable": st.just("code"), "onNoInput": target},
        "Condition": {"conditions": st.lists(rule, max_size=3)},
        "HTTPRequest": {"url": st.sampled_from(["http://127.0.0.1:9/{{x}}", "bad"])},
        "Redirection": {"numberB": st.sampled_from(["100", "{{none}}"])},
        "Pause": {"timeout": st.integers(0, 100)},
        "ReleaseCall": {},
    }[kind]
    return st.fixed_dictionaries({"type": st.just(kind), **common, **fields})


states = st.lists(
    st.sampled_from(["OutgoingCall", "VoiceMessage", "IVR", "Input", "Condition",
                     "HTTPRequest", "Redirection", "Pause", "ReleaseCall"]).flatmap(state),
    min_size=1, max_size=len(NAMES))
answers = st.lists(st.one_of(st.none(), st.builds(dtmf, st.sampled_from(["1", "2", "12#", "9"])),
                             st.builds(say, st.sampled_from(["да", "нет", "не знаю", "хм"]))),
                   max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=states, script=answers,
    dial=st.sampled_from(list(CallResult)),
    detected=st.sampled_from(list(Detected)),
    hangup_after=st.one_of(st.none(), st.floats(0, 200)),
    inbound=st.booleans(),
)
async def test_any_scenario_runs_to_an_end(body, script, dial, detected, hangup_after, inbound):
    named = [{**s, "name": NAMES[i]} for i, s in enumerate(body)]
    scenario = ScenarioBody.model_validate({
        "title": "random", "states": [{"type": "Initial", "name": "start", "success": "s0"},
                                      *named]})
    clock = VirtualClock()
    call = ScriptedCall(clock, script, dial_result=dial, detection=Detection(detected, 0.9),
                        hangup_after=hangup_after,
                        state=CallState.RINGING if inbound else CallState.NEW)
    config = EngineConfig(max_steps=60, max_duration=900)
    outcome = await run_scenario(scenario, call, variables={"phone": "+79990000001"},
                                 config=config, clock=clock)
    assert outcome.reason in {"released", "transferred", "remote_hangup", "not_answered",
                              "expired", "max_steps", "no_transition"}
    assert 1 <= len(outcome.trace) <= 60 and outcome.trace[0].kind == "Initial"
    assert outcome.trace[-1].end <= 900 + 60 + 1e-6  # budget plus the onExpiry grace
    assert call.state is CallState.ENDED or not outcome.answered
    assert outcome.status in {int(r) for r in CallResult}
    assert outcome.answered == (outcome.status == 200)
    json.dumps(outcome.to_json())
