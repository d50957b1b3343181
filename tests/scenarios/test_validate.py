"""One broken scenario per validation rule, each answered with a precise problem."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scenarios.samples import edge, large, minimal, original_voicebox
from voicebox.scenario_language.operators import (
    CANONICAL_OPERATORS,
    OPERATORS,
    as_date,
    as_number,
    canonical_operator,
)
from voicebox.scenarios.validate import validate_payload


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.name, p.message) for p in validate_payload(data)]


def with_state(state: dict[str, Any], *, after: str = "hello") -> dict[str, Any]:
    """minimal() with `state` inserted between `after` and the end."""
    body = minimal()
    for existing in body["states"]:
        if existing["name"] == after:
            existing["success"] = edge(state["name"])
    body["states"].insert(3, state)
    return body


def assert_only(data: dict[str, Any], name: str, fragment: str) -> None:
    found = problems_of(data)
    assert found, "expected a problem"
    assert all(n == name for n, _ in found), found
    assert any(fragment in m for _, m in found), found


@pytest.mark.parametrize("sample", [minimal, original_voicebox, large])
def test_valid_scenarios_have_no_problems(sample):
    assert problems_of(sample()) == []


def test_no_initial():
    body = minimal()
    body["states"] = body["states"][1:]
    found = problems_of(body)
    assert ("states", "The scenario has no Initial state") in found


def test_two_initials():
    body = minimal()
    body["states"].append({"type": "Initial", "name": "again", "success": edge("end")})
    found = problems_of(body)
    assert [n for n, _ in found if n == "states[4].type"], found
    assert any("second Initial" in m for _, m in found)


def test_duplicate_state_names():
    body = minimal()
    body["states"].append({"type": "ReleaseCall", "name": "end"})
    assert_only(body, "states[4].name", "already used by states[3]")


def test_transition_to_unknown_state():
    body = minimal()
    body["states"][1]["error"] = edge("nowhere")
    assert_only(body, "states[1].error", 'unknown state "nowhere"')


def test_unreachable_state():
    body = minimal()
    body["states"].append(
        {"type": "VoiceMessage", "name": "orphan", "announcement": {"text": "x"},
         "success": edge("end")}
    )
    assert_only(body, "states[4]", "cannot be reached from the Initial state")


def test_state_that_never_reaches_release():
    body = with_state(
        {"type": "IVR", "name": "ask", "announcement": {"text": "?"},
         "inputAnalysis": [{"dtmf": "1", "success": edge("ask")}],
         "onNoInput": edge("ask"), "onInvalidInput": edge("ask"), "success": edge("ask")}
    )
    found = problems_of(body)
    assert {n for n, _ in found} == {"states[2]", "states[3]"}, found
    assert all("no path from here reaches a ReleaseCall" in m for _, m in found)


def test_busy_cycle_without_input_or_pause():
    body = with_state(
        {"type": "Condition", "name": "loop", "conditions": [
            {"variable": "fio", "operator": "eq", "value": "x", "success": edge("end")}],
         "success": edge("again")}
    )
    body["states"].insert(4, {"type": "VoiceMessage", "name": "again",
                              "announcement": {"text": "..."}, "success": edge("loop")})
    assert_only(body, "states[3]", "cycle loop → again")


def test_cycle_through_a_pause_is_fine():
    body = with_state(
        {"type": "HTTPRequest", "name": "poll", "host": "api.example.ru", "url": "/s",
         "responseBodyVariables": {"ready": "ready"}, "success": edge("check"),
         "error": edge("end")}
    )
    body["states"] += [
        {"type": "Condition", "name": "check", "conditions": [
            {"variable": "ready", "operator": "eq", "value": "yes", "success": edge("end")}],
         "success": edge("wait")},
        {"type": "Pause", "name": "wait", "timeout": 5, "success": edge("poll")},
    ]
    assert problems_of(body) == []
    body["states"][-1] = {"type": "VoiceMessage", "name": "wait",
                          "announcement": {"text": "Ждём"}, "success": edge("poll")}
    assert_only(body, "states[3]", "has no Pause")


@pytest.mark.parametrize("announcement", [None, {"type": "text", "text": " "}, {"file": ""}])
def test_announcement_without_text_or_file(announcement):
    body = minimal()
    body["states"][2]["announcement"] = announcement
    assert_only(body, "states[2].announcement", "announcement")


def test_undefined_template_variable():
    body = minimal()
    body["states"][2]["announcement"]["text"] = "Здравствуйте, {{fio}}, {{surname}}!"
    assert_only(body, "states[2].announcement.text", 'variable "surname" is not defined')


def test_template_variables_from_input_http_and_system_are_defined():
    body = with_state(
        {"type": "Input", "name": "code", "announcement": {"text": "Код?"},
         "variable": "pin", "success": edge("api"), "onNoInput": edge("end")}
    )
    body["states"].insert(4, {
        "type": "HTTPRequest", "name": "api", "host": "api.example.ru",
        "url": "/check/{{pin}}?n={{phone}}", "responseCodeVariable": "rc",
        "responseBodyVariables": {"who": "data.name"}, "success": edge("say"),
        "error": edge("end")})
    body["states"].insert(5, {
        "type": "VoiceMessage", "name": "say",
        "announcement": {"text": "{{who}} {{rc}} {{callId}} {{maybe|нет}}"},
        "success": edge("end")})
    assert problems_of(body) == []


def test_ivr_duplicate_digits():
    body = with_state(
        {"type": "IVR", "name": "ask", "announcement": {"text": "?"}, "inputAnalysis": [
            {"dtmf": 1, "success": edge("end")}, {"dtmf": "1", "success": edge("end")}],
         "success": edge("end")}
    )
    assert_only(body, "states[3].inputAnalysis[1].dtmf", 'key "1" is already used')


def test_ivr_branch_that_cannot_match():
    body = with_state(
        {"type": "IVR", "name": "ask", "announcement": {"text": "?"}, "voiceInput": False,
         "inputAnalysis": [{"words": "да", "success": edge("end")}], "success": edge("end")}
    )
    assert_only(body, "states[3].inputAnalysis[0]", "no way to match")


def test_ivr_unknown_keyword():
    body = with_state(
        {"type": "IVR", "name": "ask", "announcement": {"text": "?"}, "inputAnalysis": [
            {"keywords": [{"name": "Танцевать"}], "success": edge("end")}],
         "success": edge("end")}
    )
    assert_only(body, "states[3].inputAnalysis[0].keywords[0]", "unknown keyword")


@pytest.mark.parametrize(
    ("rule", "field", "fragment"),
    [
        ({"variable": "fio", "operator": "like", "value": "x"}, "operator", "unknown operator"),
        ({"variable": "fio", "operator": "gt", "value": "много"}, "value", "neither a number"),
        ({"variable": "fio", "operator": "matches", "value": "(["}, "value", "regular expr"),
        ({"variable": "zzz", "operator": "eq", "value": "1"}, "variable", "not defined"),
    ],
)
def test_condition_rules(rule, field, fragment):  # one broken rule each
    body = with_state(
        {"type": "Condition", "name": "c", "conditions": [rule | {"success": edge("end")}],
         "success": edge("end")}
    )
    assert_only(body, f"states[3].conditions[0].{field}", fragment)


@pytest.mark.parametrize(
    ("value", "compares"),
    [("9,5", True), ("2026-02-01", True), ("01.02.2026 10:30", True), ("01/02/2026", True),
     ("01/02/2026 10:30", False), ("31.02.2026", False), ("", False)],
)
def test_condition_values_are_read_as_the_engine_reads_them(value, compares):
    """Validation and the engine share one operator table (scenario_language/operators.py): a
    value validation passes for `gt` is one the engine compares as a number or a date."""
    rule = {"variable": "fio", "operator": ">", "value": value, "success": edge("end")}
    body = with_state({"type": "Condition", "name": "c", "conditions": [rule],
                       "success": edge("end")})
    canonical = canonical_operator(rule["operator"])
    assert canonical in CANONICAL_OPERATORS
    engine_compares = as_number(value) is not None or as_date(value) is not None
    assert engine_compares == compares
    if compares:
        assert problems_of(body) == []
    else:
        assert_only(body, "states[3].conditions[0].value", "neither a number nor a date")


def test_unknown_operator_lists_the_canonical_names():
    rule = {"variable": "fio", "operator": "like", "value": "x", "success": edge("end")}
    [(_, message)] = problems_of(with_state({"type": "Condition", "name": "c",
                                             "conditions": [rule], "success": edge("end")}))
    assert message.endswith("use one of " + ", ".join(CANONICAL_OPERATORS))
    assert set(CANONICAL_OPERATORS) == set(OPERATORS.values())


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"method": "FETCH"}, "method", "unknown method"),
        ({"protocol": "ftp"}, "protocol", "unknown protocol"),
        ({"port": "70000"}, "port", "outside 1-65535"),
        ({"host": "bad host"}, "host", "not a valid host"),
        ({"host": "", "url": "/x"}, "host", "no host"),
        ({"url": "/a b"}, "url", "spaces"),
        ({"requestParametersType": "xml"}, "requestParametersType", "unknown parameters"),
        ({"url": "ftp://files.example.ru/x"}, "url", "only http"),
        ({"url": "https://bad_host!/x"}, "url", "not a valid host"),
        ({"host": "ftp://files.example.ru"}, "host", "only http"),
        ({"host": "api.example.ru:99999"}, "host", "bad port"),
        ({"requestParametersType": "json", "requestParametersRaw": "{oops"},
         "requestParametersRaw", "not valid JSON"),
    ],
)
def test_http_rules(fields, field, fragment):
    state = {"type": "HTTPRequest", "name": "h", "host": "api.example.ru", "url": "/ok",
             "success": edge("end"), "error": edge("end")} | fields
    assert_only(with_state(state), f"states[3].{field}", fragment)


@pytest.mark.parametrize(
    "fields",
    [
        {"host": "https://api.example.ru/"},
        {"host": "api.example.ru", "url": "http://other.example.ru/x"},
        {"url": "orders/{{phone}}"},
        {"host": "10.0.0.5:8080"},
        {"host": "{{crmHost|crm.example.ru}}"},
    ],
)
def test_http_targets_the_engine_can_call(fields):
    state = {"type": "HTTPRequest", "name": "h", "host": "api.example.ru", "url": "/ok",
             "success": edge("end"), "error": edge("end")} | fields
    assert problems_of(with_state(state)) == []


def test_http_absolute_url_without_host_is_fine():
    state = {"type": "HTTPRequest", "name": "h", "host": "", "protocol": "HTTPS",
             "method": "post", "url": "https://api.example.ru:8443/x?y={{phone}}",
             "success": edge("end"), "error": edge("end")}
    assert problems_of(with_state(state)) == []


@pytest.mark.parametrize("number", ["", "abc", "12", "+7 999 123 45 67 89 00 11"])
def test_redirection_bad_number(number):
    state = {"type": "Redirection", "name": "r", "numberB": number,
             "success": edge("end"), "error": edge("end")}
    assert_only(with_state(state), "states[3].numberB", "number")


@pytest.mark.parametrize("number", ["+7 (495) 123-45-67", "{{managerPhone}}", 74951234567])
def test_redirection_good_numbers(number):
    body = with_state({"type": "Redirection", "name": "r", "numberB": number,
                       "success": edge("end"), "error": edge("end")})
    body["customVariables"].append("managerPhone")
    assert problems_of(body) == []


def test_every_problem_at_once():
    body = minimal()
    body["states"][1]["error"] = edge("nowhere")
    body["states"][2]["announcement"] = {"text": "{{nobody}}"}
    body["states"].append({"type": "ReleaseCall", "name": "end"})
    names = {n for n, _ in problems_of(body)}
    assert {"states[1].error", "states[2].announcement.text", "states[4].name"} <= names


def test_unreadable_fields_are_named():
    body = minimal()
    body["states"][2] = {"type": "IVR", "name": "hello", "awaitingTime": "долго"}
    body["states"].append({"type": "Teleport", "name": "x"})
    names = [n for n, _ in problems_of(body)]
    assert "states[2].awaitingTime" in names and "states[4]" in names


@pytest.mark.parametrize(
    ("operator", "value"),
    [(">=", "10"), ("gte", "1,5"), ("lt", "2026-12-01"), ("le", "01.12.2026 10:00"),
     ("regex", "^\\d+$"), ("endsWith", "ов"), ("notContains", "x"), ("isEmpty", None),
     ("gt", "{{limit|5}}")],
)
def test_condition_operators_the_engine_reads_are_accepted(operator, value):
    body = with_state(
        {"type": "Condition", "name": "c", "conditions": [
            {"variable": "fio", "operator": operator, "value": value, "success": edge("end")}],
         "success": edge("end")}
    )
    assert problems_of(body) == []


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({"type": "IVR", "awaitingTime": 0, "inputAnalysis": [{"dtmf": "1"}]}, "awaitingTime"),
        ({"type": "IVR", "repeatCount": "50", "inputAnalysis": [{"dtmf": "1"}]}, "repeatCount"),
        ({"type": "Input", "inputMaxLength": 0}, "inputMaxLength"),
        ({"type": "Input", "awaitingTime": 1000}, "awaitingTime"),
        ({"type": "Pause", "timeout": -1}, "timeout"),
        ({"type": "HTTPRequest", "host": "api.example.ru", "timeout": 0}, "timeout"),
    ],
)
def test_numbers_out_of_range(state, field):
    state = {"name": "n", "success": edge("end")} | state
    if state["type"] in {"IVR", "Input"}:
        state["announcement"] = {"text": "?"}
    assert_only(with_state(state), f"states[3].{field}", "must be between")
