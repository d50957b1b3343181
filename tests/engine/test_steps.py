"""Every state kind and every branch, on a scripted call in virtual time."""

import json

import pytest

from voicebox.engine import EngineConfig
from voicebox.telephony.base import CallResult, CallState, Detected, Detection
from voicebox.telephony.scripted import dtmf, say

BYE = {"type": "ReleaseCall", "name": "bye"}


def ends(name: str) -> dict:
    return {"type": "VoiceMessage", "name": name, "announcement": {"text": f"at {name}"},
            "success": "bye"}


def visited(outcome) -> list[str]:
    return [step.state for step in outcome.trace]


# -- Initial / OutgoingCall / ReleaseCall ----------------------------------------------------------

async def test_outgoing_call_answered_goes_success(run, chain):
    outcome, call = await run(chain(
        {"type": "OutgoingCall", "name": "dial", "error": "failed"}, ends("ok"), BYE,
        {"type": "ReleaseCall", "name": "failed"},
    ))
    assert visited(outcome) == ["start", "dial", "ok", "bye"]
    assert outcome.status == 200 and outcome.answered and outcome.reason == "released"
    assert call.log[0] == ("dial", "+79990000001")
    assert call.log[-1] == ("hangup", 200)
    assert outcome.duration == pytest.approx(len("at ok") * 0.05)


@pytest.mark.parametrize("result", [CallResult.BUSY, CallResult.NO_ANSWER,
                                    CallResult.UNREACHABLE, CallResult.FAILED])
async def test_outgoing_call_not_reached_goes_error(run, chain, result):
    outcome, _call = await run(chain(
        {"type": "OutgoingCall", "name": "dial", "error": "failed", "success": "bye"}, BYE,
        {"type": "HTTPRequest", "name": "failed", "url": "http://127.0.0.1:9/",
         "success": "bye", "error": "bye"},
    ), dial_result=result)
    assert visited(outcome) == ["start", "dial", "failed", "bye"]
    assert outcome.status == int(result) and not outcome.answered and outcome.duration == 0
    assert outcome.trace[1].detail["code"] == int(result)


async def test_outgoing_call_without_error_branch_ends_not_answered(run, chain):
    outcome, _ = await run(chain({"type": "OutgoingCall", "name": "dial"}, ends("x"), BYE),
                           dial_result=CallResult.BUSY)
    assert outcome.status == 486 and outcome.reason == "not_answered"
    assert outcome.trace[-1].transition == "error"


async def test_outgoing_call_with_empty_number_is_unreachable(run, chain):
    outcome, call = await run(chain(
        {"type": "OutgoingCall", "name": "dial", "phone": "{{mobile}}", "error": "bye"}, BYE),
    )
    assert outcome.status == 404 and outcome.trace[1].missing == ["mobile"]
    assert ("dial", "+79990000001") not in call.log


async def test_media_state_dials_implicitly_and_inbound_is_answered(run, chain):
    outcome, call = await run(chain(ends("hello"), BYE))
    assert call.log[0] == ("dial", "+79990000001") and outcome.status == 200
    outcome, call = await run(chain(ends("hello"), BYE), state=CallState.RINGING)
    assert call.log[0] == ("answer", None) and outcome.status == 200
    outcome, call = await run(chain(ends("hello"), BYE), dial_result=CallResult.NO_ANSWER)
    assert outcome.status == 480 and outcome.reason == "not_answered"
    assert outcome.trace[-1].state == "hello" and "not answered" in outcome.trace[-1].error


async def test_scenario_without_media_never_dials(run, chain):
    outcome, call = await run(chain({"type": "Condition", "name": "c"}, BYE))
    assert [event for event, _ in call.log] == ["hangup"]
    assert outcome.status == 487 and not outcome.answered and outcome.reason == "released"


# -- VoiceMessage --------------------------------------------------------------------------------

async def test_voice_message_plays_template_and_file(run, chain, scenario):
    states = chain(
        {"type": "VoiceMessage", "name": "m1",
         "announcement": {"type": "text", "text": "Здравствуйте, {{name|друг}}! Долг {{debt}} ₽"}},
        {"type": "VoiceMessage", "name": "m2", "announcement": {"type": "file", "file": 42}},
        BYE,
    )
    outcome, call = await run(scenario(states, settings={"voice": "ermil", "speed": "120"}),
                              variables={"debt": "100"})
    assert call.played() == ["Здравствуйте, друг! Долг 100 ₽", "file:42"]
    assert outcome.trace[1].prompt == ["Здравствуйте, друг! Долг 100 ₽"]
    assert outcome.trace[1].missing is None


async def test_missing_variable_renders_empty_and_is_traced(run, chain):
    outcome, call = await run(chain(
        {"type": "VoiceMessage", "name": "m", "announcement": {"text": "Привет, {{name}}!"}},
        BYE))
    assert call.played() == ["Привет, !"] and outcome.trace[1].missing == ["name"]


async def test_voice_message_media_error_goes_error_or_ends(run, chain):
    states = chain({"type": "VoiceMessage", "name": "m", "announcement": {"text": "broken"},
                    "error": "fallback"}, BYE, ends("fallback"))
    outcome, _ = await run(states, fail_prompt="broken")
    assert visited(outcome) == ["start", "m", "fallback", "bye"]
    assert "cannot render" in outcome.trace[1].error
    states = chain({"type": "VoiceMessage", "name": "m", "announcement": {"text": "broken"}}, BYE)
    outcome, _ = await run(states, fail_prompt="broken")
    assert outcome.reason == "no_transition" and "cannot render" in outcome.error


@pytest.mark.parametrize(("kind", "confidence", "expected"), [
    (Detected.MACHINE, 0.9, "robot"), (Detected.ASSISTANT, 0.8, "robot"),
    (Detected.HUMAN, 0.9, "hello"), (Detected.MACHINE, 0.3, "hello"),
])
async def test_voice_message_detect_ai(run, chain, kind, confidence, expected):
    states = chain({"type": "VoiceMessage", "name": "m", "detectAI": "true",
                    "announcement": {"text": "hi"}, "onDetectAI": "robot", "success": "hello"},
                   BYE, ends("robot"), ends("hello"))
    outcome, _ = await run(states, detection=Detection(kind, confidence))
    assert visited(outcome)[2] == expected
    assert outcome.detection == {"kind": kind.value, "confidence": confidence}
    assert outcome.trace[1].detail["detected"] == kind.value


# -- IVR -----------------------------------------------------------------------------------------

def ivr(**fields) -> dict:
    base = {
        "type": "IVR", "name": "ask", "announcement": {"text": "Нажмите 1 или скажите да"},
        "awaitingTime": 4, "repeatCount": 2,
        "inputAnalysis": [
            {"dtmf": "1", "success": "one"},
            {"words": "Ёлки-палки, ну давай", "success": "words"},
            {"keywords": [{"id": "3", "name": "Перезвонить"}], "success": "later"},
            {"dtmf": "42", "success": "fortytwo"},
        ],
        "onNoInput": "silent", "onInvalidInput": "invalid", "success": "default",
    }
    base.update(fields)
    return base


IVR_TARGETS = [ends(n) for n in ("one", "words", "later", "fortytwo", "silent", "invalid",
                                 "default", "robot")]


@pytest.mark.parametrize(("answers", "target"), [
    ([dtmf("1")], "one"),
    ([dtmf("1", barge_in=True)], "one"),
    ([say("елки палки!", barge_in=True)], "words"),
    ([say("НУ ДАВАЙ")], "words"),
    ([say("перезвоните мне завтра")], "later"),
    ([say("call me back later")], "later"),
    ([dtmf("42")], "fortytwo"),
    ([dtmf("4", barge_in=True), dtmf("2")], "fortytwo"),  # a two-digit branch typed over the prompt
    ([dtmf("7")], "invalid"),
    ([say("что-то непонятное")], "invalid"),
    ([None, None, dtmf("1")], "one"),
    ([None, None, None], "silent"),
])
async def test_ivr_branches(run, chain, answers, target):
    outcome, _call = await run(chain(ivr(), BYE, *IVR_TARGETS), answers)
    assert visited(outcome)[2] == target
    step = outcome.trace[1]
    assert step.next_state == target
    assert len(step.prompt) == step.detail["attempt"]


async def test_ivr_repeat_count_and_fallbacks(run, chain):
    outcome, call = await run(chain(ivr(repeatCount=0, onNoInput=None), BYE, *IVR_TARGETS), [])
    assert visited(outcome)[2] == "default" and len(call.played()) == 2  # one ask + "at default"
    outcome, _ = await run(chain(ivr(onInvalidInput=None), BYE, *IVR_TARGETS), [dtmf("9")])
    assert visited(outcome)[2] == "default"
    assert outcome.trace[1].heard == ["9"] and outcome.variables["lastInput"] == "9"


async def test_ivr_lost_keyword_and_unknown_keyword(run, chain):
    states = chain(ivr(inputAnalysis=[
        {"keywords": [{"name": "Отказ", "lost": True}], "success": "one"},
    ]), BYE, *IVR_TARGETS)
    outcome, _ = await run(states, [say("да, давайте")])
    assert visited(outcome)[2] == "one"
    assert outcome.trace[1].detail["matched"] == "not Отказ"
    outcome, _ = await run(states, [say("нет, не надо")])
    assert visited(outcome)[2] == "invalid"
    states = chain(ivr(inputAnalysis=[{"keywords": ["абонемент"], "success": "one"}]),
                   BYE, *IVR_TARGETS)
    outcome, _ = await run(states, [say("Про Абонемент, пожалуйста")])
    assert visited(outcome)[2] == "one"


async def test_ivr_voice_or_keyboard_disabled(run, chain):
    states = chain(ivr(voiceInput="false"), BYE, *IVR_TARGETS)
    outcome, _ = await run(states, [say("ну давай"), None, None])
    assert visited(outcome)[2] == "silent"
    states = chain(ivr(keyboardInput=False), BYE, *IVR_TARGETS)
    outcome, _ = await run(states, [dtmf("1"), None, None])
    assert visited(outcome)[2] == "silent"


async def test_ivr_detect_ai(run, chain):
    states = chain(ivr(detectAI=True, onDetectAI="robot"), BYE, *IVR_TARGETS)
    outcome, call = await run(states, [dtmf("1")],
                              detection=Detection(Detected.MACHINE, 0.99))
    assert visited(outcome)[2] == "robot" and ("play", "Нажмите 1 или скажите да") not in call.log


async def test_ivr_branch_without_transition_falls_to_success(run, chain):
    states = chain(ivr(inputAnalysis=[{"dtmf": "1"}]), BYE, *IVR_TARGETS)
    outcome, _ = await run(states, [dtmf("1")])
    assert visited(outcome)[2] == "default"


# -- Input ---------------------------------------------------------------------------------------

def input_state(**fields) -> dict:
    base = {"type": "Input", "name": "code", "announcement": {"text": "Введите код"},
            "variable": "code", "inputMaxLength": 4, "awaitingTime": 5,
            "onNoInput": "silent", "success": "say"}
    base.update(fields)
    return base


SAY = {"type": "VoiceMessage", "name": "say", "announcement": {"text": "Код {{code}}"},
       "success": "bye"}


@pytest.mark.parametrize(("answers", "spoken"), [
    ([dtmf("12#")], "Код 12"),
    ([dtmf("123456")], "Код 1234"),
    ([dtmf("9", barge_in=True), dtmf("87#")], "Код 987"),
])
async def test_input_digits(run, chain, answers, spoken):
    outcome, call = await run(chain(input_state(), SAY, BYE, ends("silent")), answers)
    assert call.played()[-1] == spoken
    assert outcome.variables["code"] == spoken.split()[1]


async def test_input_speech_and_silence(run, chain):
    states = chain(input_state(voiceInput=True, keyboardInput=False, inputMaxLength=None), SAY,
                   BYE, ends("silent"))
    outcome, call = await run(states, [say("мой код сорок два")])
    assert outcome.variables["code"] == "мой код сорок два"
    outcome, _ = await run(states, [])
    assert visited(outcome)[2] == "silent" and outcome.variables["code"] == ""
    states = chain(input_state(onNoInput=None), SAY, BYE)
    outcome, call = await run(states, [])
    assert call.played()[-1] == "Код"


# -- Condition -----------------------------------------------------------------------------------

COND_TARGETS = [ends(n) for n in ("first", "second", "other", "broken")]


@pytest.mark.parametrize(("operator", "left", "right", "expected"), [
    ("eq", "10", "10.0", True), ("eq", "Да", "да", True), ("eq", "ёж", "ЕЖ", True),
    ("ne", "a", "b", True), ("ne", "5", "5", False),
    ("gt", "10", "9", True), ("gt", "10", "9a", False),  # text comparison "10" < "9a"
    ("ge", "2,5", "2.5", True), ("lt", "1", "2", True), ("le", "3", "2", False),
    ("gt", "2026-02-01", "2026-01-31", True), ("lt", "01.02.2026", "2026-01-31", False),
    ("lt", "2026-01-31T10:00:00", "2026-02-01", True),
    ("contains", "Да, конечно", "КОНЕЧНО", True), ("contains", "нет", "да", False),
    ("startsWith", "+7999", "+7", True), ("startsWith", "8999", "+7", False),
    ("matches", "abc-123", r"^\w+-\d+$", True), ("matches", "abc", r"^\d+$", False),
    ("empty", "  ", "", True), ("empty", "x", "", False),
    ("notEmpty", "x", "", True), ("notEmpty", "", "", False),
    (">=", "5", "5", True), ("!=", "5", "6", True),
])
async def test_condition_operators(run, chain, operator, left, right, expected):
    states = chain({"type": "Condition", "name": "check", "conditions": [
        {"variable": "x", "operator": operator, "value": right, "success": "first"},
    ], "success": "other"}, BYE, *COND_TARGETS)
    outcome, _ = await run(states, variables={"x": left})
    assert visited(outcome)[2] == ("first" if expected else "other")


async def test_condition_first_true_wins_and_templated_value(run, chain):
    states = chain({"type": "Condition", "name": "check", "conditions": [
        {"variable": "{{debt}}", "operator": "gt", "value": "{{limit}}", "success": "first"},
        {"variable": "debt", "operator": "gt", "value": 0, "success": "second"},
    ], "success": "other", "error": "broken"}, BYE, *COND_TARGETS)
    for debt, target in (("500", "first"), ("50", "second"), ("0", "other")):
        outcome, _ = await run(states, variables={"debt": debt, "limit": "100"})
        assert visited(outcome)[2] == target
    outcome, _ = await run(states, variables={"limit": "1"})
    assert visited(outcome)[2] == "other" and outcome.trace[1].missing == ["debt", "debt"]


@pytest.mark.parametrize("rule", [
    {"variable": "x", "operator": "bogus", "value": "1"},
    {"variable": "x", "operator": "matches", "value": "("},
])
async def test_condition_broken_rule_goes_error(run, chain, rule):
    states = chain({"type": "Condition", "name": "check", "conditions": [{**rule,
                    "success": "first"}], "success": "other", "error": "broken"},
                   BYE, *COND_TARGETS)
    outcome, _ = await run(states, variables={"x": "1"})
    assert visited(outcome)[2] == "broken" and outcome.trace[1].error


# -- Redirection / Pause -------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "target"), [
    ({"numberB": "+7 (495) 000-00-00", "extension": 123}, "+7 (495) 000-00-00"),
    ({"forwardType": "sip", "sipUri": "sip:{{agent}}@pbx.example.com"},
     "sip:alice@pbx.example.com"),
])
async def test_redirection_answered(run, chain, fields, target):
    states = chain({"type": "Redirection", "name": "tr", "error": "failed", **fields}, BYE,
                   ends("failed"))
    outcome, call = await run(states, variables={"agent": "alice"})
    assert ("transfer", target) in call.log
    assert outcome.reason == "transferred" and outcome.transfer["target"] == target
    assert visited(outcome)[2] == "bye"


async def test_redirection_failed_and_missing_target(run, chain):
    states = chain({"type": "Redirection", "name": "tr", "numberB": "100", "error": "failed"},
                   BYE, ends("failed"))
    outcome, _ = await run(states, transfer_result=CallResult.BUSY)
    assert visited(outcome)[2] == "failed" and outcome.transfer is None
    assert outcome.trace[1].detail["code"] == 486
    states = chain({"type": "Redirection", "name": "tr", "numberB": "{{nobody}}",
                    "error": "failed"}, BYE, ends("failed"))
    outcome, _ = await run(states)
    assert visited(outcome)[2] == "failed" and outcome.trace[1].error == "no transfer target"


async def test_pause_waits_in_virtual_time(run, chain):
    outcome, _ = await run(chain({"type": "Pause", "name": "p", "timeout": "30"}, BYE),
                           state=CallState.ANSWERED)
    pause = outcome.trace[1]
    assert pause.end - pause.start == pytest.approx(30)


# -- transitions and the outcome -----------------------------------------------------------------

async def test_transition_to_unknown_state_and_dead_end(run, chain):
    outcome, _ = await run(chain({"type": "Pause", "name": "p", "timeout": 1, "success": "nowhere"}))
    assert outcome.reason == "no_transition" and "nowhere" in outcome.error
    outcome, _ = await run(chain({"type": "Pause", "name": "p", "timeout": 1}))
    assert outcome.reason == "no_transition" and outcome.trace[-1].transition == "success"


async def test_outcome_is_json(run, chain):
    outcome, _ = await run(chain(ivr(), BYE, *IVR_TARGETS), [say("ну давай")])
    data = json.loads(outcome.dumps())
    assert data["trace"][1]["heard"] == ["ну давай"]
    assert data["trace"][1]["transition"] == "inputAnalysis[1]"
    assert data["variables"]["lastInput"] == "ну давай"
    assert set(data) >= {"status", "answered", "duration", "reason", "variables", "trace"}


async def test_no_initial_state_is_an_engine_error(run):
    from voicebox.errors import EngineError

    with pytest.raises(EngineError):
        await run([BYE])


async def test_config_is_respected(run, chain):
    outcome, _call = await run(chain(ivr(awaitingTime=7, repeatCount=0), BYE, *IVR_TARGETS),
                              config=EngineConfig(ring_seconds=1))
    step = outcome.trace[1]
    prompt_seconds = len("Нажмите 1 или скажите да") * 0.05
    assert step.end - step.start == pytest.approx(1 + prompt_seconds + 7)  # ring, ask, wait
