"""A scenario as the original VoiceBox service writes it runs end to end down each path."""

import pytest

from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import CallResult, Detected, Detection
from voicebox.telephony.scripted import dtmf, say

# Lower-case kinds, numbers and flags as strings, bare transition names, `voicelInput`,
# keywords by id, empty transitions as {"title": ""}, unknown fields the editor adds.
ORIGINAL = {
    "name": "Напоминание о платеже",
    "type": "outgoing",
    "customVariables": "fio, sum",
    "settings": {"voice": "jane", "speed": "1.2", "emotion": "good"},
    "states": [
        {"type": "initial", "name": "Старт", "x": 0, "y": 0,
         "success": {"title": "", "newState": "Звонок"}},
        {"type": "outgoingCall", "name": "Звонок", "phone": "{{phone}}", "onAParty": "true",
         "callingPartyDisplay": "+74950000000",
         "success": {"title": "ok", "newState": "Вопрос"}, "error": "Конец"},
        {"type": "ivr", "name": "Вопрос", "awaitingTime": "5", "repeatCount": "1",
         "voicelInput": "true", "keyboardInput": "true", "immediateStt": "false",
         "detectAI": "true", "onDetectAI": "Автоответчик",
         "announcement": {"type": "TEXT", "text": "{{fio}}, у вас долг {{sum}} рублей. "
                                                  "Оплатите сегодня? Нажмите 1 или 2."},
         "inputAnalysis": [
             {"dtmf": 1, "words": "", "keywords": [{"id": 1, "name": "Согласие",
                                                   "lost": "false"}],
              "success": {"title": "", "newState": "Спасибо"}},
             {"dtmf": "2", "keywords": [{"id": "2"}], "success": "Оператор"},
         ],
         "onNoInput": {"title": "", "newState": "Конец"}, "onInvalidInput": "Вопрос",
         "onExpiry": {"title": ""}},
        {"type": "voiceMessage", "name": "Спасибо",
         "announcement": {"type": "text", "text": "Спасибо, {{fio}}!", "file": ""},
         "success": "Конец", "error": None},
        {"type": "voiceMessage", "name": "Автоответчик",
         "announcement": {"type": "file", "file": 17}, "success": "Конец"},
        {"type": "redirection", "name": "Оператор", "numberB": 74951234567, "extension": "",
         "forwardType": "number", "sipUri": "", "credentialInfo": {},
         "success": "Конец", "error": "Конец"},
        {"type": "releaseCall", "name": "Конец", "x": 900, "y": 0},
    ],
}


@pytest.mark.parametrize(("answers", "options", "path"), [
    ([dtmf("1")], {}, ["Старт", "Звонок", "Вопрос", "Спасибо", "Конец"]),
    ([say("да, оплачу")], {}, ["Старт", "Звонок", "Вопрос", "Спасибо", "Конец"]),
    ([say("нет")], {}, ["Старт", "Звонок", "Вопрос", "Оператор", "Конец"]),
    ([dtmf("5"), dtmf("2")], {}, ["Старт", "Звонок", "Вопрос", "Вопрос", "Оператор", "Конец"]),
    ([], {}, ["Старт", "Звонок", "Вопрос", "Конец"]),
    ([], {"detection": Detection(Detected.MACHINE, 0.9)},
     ["Старт", "Звонок", "Вопрос", "Автоответчик", "Конец"]),
    ([], {"dial_result": CallResult.NO_ANSWER}, ["Старт", "Звонок", "Конец"]),
])
async def test_original_scenario_paths(run, answers, options, path):
    body = ScenarioBody.model_validate(ORIGINAL)
    outcome, call = await run(body, answers, variables={"fio": "Иван", "sum": "1 500"},
                              **options)
    assert [s.state for s in outcome.trace] == path
    assert outcome.trace[-1].kind == "ReleaseCall" and outcome.reason in ("released",
                                                                          "transferred")
    if "Вопрос" in path and "Автоответчик" not in path:
        assert call.played()[0] == "Иван, у вас долг 1 500 рублей. Оплатите сегодня? " \
                                   "Нажмите 1 или 2."
