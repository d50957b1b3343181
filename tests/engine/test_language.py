"""Keyword dictionary, templates, matching and condition operators on their own."""

import pytest

from voicebox.engine.matching import BranchMatcher, first_match
from voicebox.errors import EngineError
from voicebox.scenario_language.format import Branch
from voicebox.scenario_language.keywords import INTENTS, get_intent, list_intents, normalize
from voicebox.scenario_language.operators import canonical_operator, evaluate
from voicebox.scenario_language.placeholders import SYSTEM_VARIABLES, placeholders, render
from voicebox.telephony.base import Heard


def test_dictionary_has_the_required_intents_with_stable_unique_ids():
    names = {intent.name for intent in INTENTS}
    assert {"Согласие", "Отказ", "Перезвонить", "Оператор", "Повторить", "Не знаю", "Занят",
            "Оплачено", "Неправильный номер", "Автоответчик", "Да", "Нет"} <= names
    assert len({i.id for i in INTENTS}) == len(INTENTS) == len({i.code for i in INTENTS})
    assert get_intent("1").name == "Согласие" and get_intent(2).name == "Отказ"
    assert list_intents()[0] == {"id": "1", "name": "Согласие", "code": "agree",
                                 "phrases": list(INTENTS[0].phrases)}


@pytest.mark.parametrize(("key", "name"), [
    ({"name": "согласие"}, "Согласие"), ({"name": "  ОТКАЗ "}, "Отказ"),
    ({"name": "Уже оплатил"}, "Оплачено"), ({"name": "already_paid"}, "Оплачено"),
    ({"id": "999", "name": "оператор"}, "Оператор"), ({"id": "не знаю"}, "Не знаю"),
])
def test_lookup_by_id_or_name(key, name):
    assert get_intent(key.get("id"), key.get("name")).name == name


def test_unknown_intent():
    assert get_intent("999", "нечто") is None and get_intent(None, None) is None


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("Согласие", "Да, конечно!", True), ("Согласие", "СОГЛАСНА", True),
    ("Согласие", "мне не интересно", False), ("Согласие", "Yes, sure.", True),
    ("Отказ", "нет, спасибо", True), ("Отказ", "No thanks", True), ("Отказ", "да", False),
    ("Перезвонить", "Перезвоните попозже", True), ("Перезвонить", "call me back", True),
    ("Оператор", "соедините с человеком", True), ("Оператор", "I'd like an operator", True),
    ("Повторить", "повторите ещё раз", True), ("Не знаю", "я не знаю", True),
    ("Занят", "я за рулём", True), ("Оплачено", "я уже оплатил", True),
    ("Неправильный номер", "вы ошиблись номером", True),
    ("Автоответчик", "Оставьте сообщение после сигнала", True),
    ("Нет", "неа", True), ("Да", "ага", True), ("Да", "нет", False),
])
def test_intent_matching(name, text, expected):
    assert get_intent(name=name).matches(text) is expected


def test_normalize():
    assert normalize("  Ёлки-Палки!!  Don't  ") == "елки палки dont"


def test_placeholders_and_render():
    text = "Здравствуйте, {{ name | друг }}! Ваш код {{code}}, {{ missing }}."
    assert placeholders(text) == {"name", "code", "missing"}
    assert placeholders(None) == set() and placeholders("без шаблонов") == set()
    assert render(text, {"code": 7}) == ("Здравствуйте, друг! Ваш код 7, .", {"missing"})
    assert render(text, {"name": "", "code": "1", "missing": "x"})[0] == \
        "Здравствуйте, друг! Ваш код 1, x."
    assert render("{{имя}}", {"имя": "Анна"}) == ("Анна", set())
    assert render(None, {}) == ("", set())
    assert {"phone", "callId", "campaignId", "attempt", "lastInput", "now"} <= set(
        SYSTEM_VARIABLES)


def test_branch_matching_order_and_kinds():
    matchers = tuple(BranchMatcher.build(Branch.model_validate(b)) for b in [
        {"dtmf": 1},
        {"words": "ну давай, Ёлки палки"},
        {"keywords": [{"id": "2"}]},
        {"keywords": [{"name": "Согласие", "lost": "true"}]},
    ])
    assert first_match(matchers, Heard(dtmf="1")) == (0, "dtmf")
    assert first_match(matchers, Heard(dtmf="5")) is None
    assert first_match(matchers, Heard(speech="ЕЛКИ, палки!")) == (1, "words")
    assert first_match(matchers, Heard(speech="нет")) == (2, "Отказ")
    assert first_match(matchers, Heard(speech="может быть")) == (3, "not Согласие")
    assert first_match(matchers, Heard(speech="да")) is None
    assert first_match(matchers, Heard()) is None


def test_operator_aliases():
    assert canonical_operator("Starts_With") == "startsWith"
    assert canonical_operator("<=") == "le" and canonical_operator("what") is None
    with pytest.raises(EngineError):
        evaluate("what", "1", "2")
