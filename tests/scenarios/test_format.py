"""The format accepts what real clients send and returns the spec's names and types."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.scenarios.samples import minimal, original_voicebox
from voicebox.scenario_language.format import (
    STATE_KINDS,
    IVRState,
    RedirectionState,
    ScenarioBody,
)


def test_original_voicebox_json_is_read_and_returned_with_spec_names():
    body = ScenarioBody.model_validate(original_voicebox())
    out = body.model_dump(mode="json")
    assert out["title"] == "Опрос клиента"
    assert "name" not in out
    ivr = out["states"][2]
    assert ivr["voiceInput"] == "true" and "voicelInput" not in ivr
    assert ivr["awaitingTime"] == "5" and ivr["repeatCount"] == "2"
    assert ivr["immediateStt"] == "true"
    assert ivr["onInvalidInput"] == {"title": "", "newState": "Вопрос"}
    assert ivr["inputAnalysis"][0]["dtmf"] == "1"
    assert ivr["inputAnalysis"][0]["keywords"][0] == {"id": "1", "name": "Согласие", "lost": "false"}
    assert out["states"][0]["x"] == 40
    assert out["states"][4]["numberB"] == "74951234567"
    assert out["settings"]["speed"] == 110


def test_unknown_fields_are_kept_unchanged():
    out = ScenarioBody.model_validate(original_voicebox()).model_dump(mode="json")
    assert out["builderVersion"] == 3
    assert out["states"][1]["callingPartyDisplay"] == "74950000000"
    assert out["states"][1]["onAParty"] == {"title": "", "newState": ""}
    assert out["states"][2]["credentialInfo"] == {"login": "x"}


def test_output_reads_back_to_the_same_output():
    first = ScenarioBody.model_validate(original_voicebox()).model_dump(mode="json")
    second = ScenarioBody.model_validate(first).model_dump(mode="json")
    assert first == second


@pytest.mark.parametrize("kind", list(STATE_KINDS.values()))
def test_every_kind_is_accepted_in_any_case(kind):
    body = ScenarioBody.model_validate(
        {"title": "t", "states": [{"type": kind.lower(), "name": "s"}]}
    )
    assert body.states[0].type == kind


def test_unknown_kind_is_rejected():
    with pytest.raises(ValidationError):
        ScenarioBody.model_validate({"title": "t", "states": [{"type": "Dance", "name": "s"}]})


def test_server_fields_sent_back_by_clients_are_dropped():
    data = minimal() | {"id": 7, "isValid": "true", "shareLink": "x", "createdAt": "2020"}
    out = ScenarioBody.model_validate(data).model_dump(mode="json")
    assert not {"id", "isValid", "shareLink", "createdAt"} & out.keys()


def test_keyword_by_name_gets_its_id():
    state = IVRState.model_validate(
        {"name": "a", "inputAnalysis": [{"keywords": ["оператор"], "success": "b"}]}
    )
    keyword = state.inputAnalysis[0].keywords[0]
    assert (keyword.id, keyword.name) == ("4", "оператор")
    assert state.transitions()["inputAnalysis[0]"].newState == "b"


def test_numbers_and_strings_both_ways():
    state = RedirectionState.model_validate({"name": "r", "numberB": 79001234567, "x": "5"})
    assert state.numberB == "79001234567" and state.x == 5
    ivr = IVRState.model_validate({"name": "i", "awaitingTime": "7.0", "repeatCount": 3})
    assert ivr.model_dump(mode="json")["awaitingTime"] == "7"
    assert ivr.model_dump(mode="json")["repeatCount"] == "3"


def test_custom_variables_accept_string_and_objects():
    body = ScenarioBody.model_validate(minimal() | {"customVariables": "fio, date"})
    assert body.customVariables == ["fio", "date"]
    body = ScenarioBody.model_validate(minimal() | {"customVariables": [{"name": "fio"}]})
    assert body.customVariables == ["fio"]


def test_positions_are_integers_and_kind_comes_first():
    body = ScenarioBody.model_validate(
        {"title": "t", "states": [{"name": 5, "x": "10.6", "y": 3.2, "type": "releasecall"}]}
    )
    state = body.model_dump(mode="json")["states"][0]
    assert list(state)[:4] == ["type", "name", "x", "y"]
    assert (state["name"], state["x"], state["y"]) == ("5", 11, 3)


@pytest.mark.parametrize(
    ("announcement", "kind"),
    [({"type": "TTS", "text": "a"}, "text"), ({"type": "audio", "file": 7}, "file"),
     ({"file": "7"}, "file"), ({"text": "a"}, "text")],
)
def test_announcement_kind_spellings(announcement, kind):
    state = IVRState.model_validate({"name": "i", "announcement": announcement})
    assert state.announcement is not None and state.announcement.type == kind


def test_states_as_an_object_keyed_by_name():
    body = ScenarioBody.model_validate(
        {"title": "t", "states": {"a": {"type": "Initial", "success": "b"},
                                  "b": {"type": "ReleaseCall", "name": "b"}}}
    )
    assert [s.name for s in body.states] == ["a", "b"]
    assert isinstance(body.model_dump(mode="json")["states"], list)
