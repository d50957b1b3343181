"""Scenario JSON as real VoiceBox clients write it, for tests."""

from __future__ import annotations

import copy
from typing import Any


def edge(target: str | None) -> dict[str, str] | None:
    return {"title": "", "newState": target} if target else None


def minimal() -> dict[str, Any]:
    """The smallest valid scenario: answer, say hello, hang up."""
    return {
        "title": "Привет",
        "type": "outgoing",
        "states": [
            {"type": "Initial", "name": "start", "x": 0, "y": 0, "success": edge("call")},
            {
                "type": "OutgoingCall",
                "name": "call",
                "phone": "{{phone}}",
                "success": edge("hello"),
                "error": edge("end"),
            },
            {
                "type": "VoiceMessage",
                "name": "hello",
                "announcement": {"type": "text", "text": "Здравствуйте, {{fio}}!"},
                "success": edge("end"),
            },
            {"type": "ReleaseCall", "name": "end"},
        ],
        "customVariables": ["fio"],
        "settings": {"voice": "oksana", "speed": 100, "emotion": "neutral"},
    }


def original_voicebox() -> dict[str, Any]:
    """A scenario written for the original service: `name`, strings for numbers, `voicelInput`,
    bare transitions and fields we do not model (kept unchanged)."""
    return {
        "name": "Опрос клиента",
        "comment": "из VoiceBox",
        "type": "outgoing",
        "states": [
            {"type": "Initial", "name": "Начало", "x": "40", "y": "40", "success": "Звонок"},
            {
                "type": "OutgoingCall",
                "name": "Звонок",
                "x": 300,
                "y": 40,
                "phone": "{{phone}}",
                "callingPartyDisplay": "74950000000",
                "onAParty": {"title": "", "newState": ""},
                "success": {"title": "", "newState": "Вопрос"},
                "error": {"title": "", "newState": "Конец"},
            },
            {
                "type": "IVR",
                "name": "Вопрос",
                "x": 560,
                "y": 40,
                "announcement": {"type": "text", "file": "", "text": "{{fio}}, вам удобно?"},
                "awaitingTime": "5",
                "repeatCount": 2,
                "detectAI": "false",
                "voicelInput": "true",
                "keyboardInput": "true",
                "immediateStt": True,
                "credentialInfo": {"login": "x"},
                "inputAnalysis": [
                    {
                        "dtmf": 1,
                        "words": "да, удобно",
                        "keywords": [{"id": 1, "name": "Согласие", "lost": False}],
                        "success": {"title": "", "newState": "Спасибо"},
                    },
                    {
                        "dtmf": "2",
                        "words": "",
                        "keywords": [{"id": "4", "name": "Оператор", "lost": "false"}],
                        "success": "Перевод",
                    },
                ],
                "onNoInput": {"title": "", "newState": "Конец"},
                "onInvalidInput": "Вопрос",
                "onExpiry": None,
                "success": {"title": "", "newState": "Конец"},
                "error": None,
            },
            {
                "type": "VoiceMessage",
                "name": "Спасибо",
                "announcement": {"type": "text", "text": "Спасибо!", "file": None},
                "detectAI": "false",
                "success": {"title": "", "newState": "Конец"},
                "error": "",
            },
            {
                "type": "Redirection",
                "name": "Перевод",
                "numberB": 74951234567,
                "extension": "",
                "forwardType": "number",
                "sipUri": "",
                "success": "Конец",
                "error": "Конец",
            },
            {"type": "ReleaseCall", "name": "Конец", "x": 800, "y": 300},
        ],
        "customVariables": ["fio"],
        "settings": {"voice": "jane", "speed": "110", "emotion": "good"},
        "builderVersion": 3,
    }


def large(states: int = 48) -> dict[str, Any]:
    """A long questionnaire: ~`states` states of every kind, all reachable and valid."""
    body = copy.deepcopy(minimal())
    body["title"] = "Большая анкета"
    body["customVariables"] = ["fio", "city", "orderId"]
    items: list[dict[str, Any]] = [
        {"type": "Initial", "name": "start", "success": edge("q0")},
    ]
    questions = (states - 6) // 4
    for i in range(questions):
        nxt = f"q{i + 1}" if i + 1 < questions else "api"
        items += [
            {
                "type": "IVR",
                "name": f"q{i}",
                "announcement": {"type": "text", "text": f"Вопрос {i}, {{{{fio}}}}?"},
                "awaitingTime": str(5 + i % 3),
                "voicelInput": "true",
                "inputAnalysis": [
                    {"dtmf": "1", "words": "да", "success": edge(f"yes{i}")},
                    {"dtmf": "2", "keywords": [{"id": "2"}], "success": edge(f"no{i}")},
                ],
                "onNoInput": edge(f"p{i}"),
                "onInvalidInput": edge(f"q{i}"),
                "success": edge(nxt),
                "customWidget": {"color": f"#{i:06d}"},
            },
            {
                "type": "VoiceMessage",
                "name": f"yes{i}",
                "announcement": {"type": "file", "file": str(1000 + i)},
                "success": edge(nxt),
            },
            {
                "type": "Condition",
                "name": f"no{i}",
                "conditions": [
                    {"variable": "city", "operator": "eq", "value": "Москва", "success": edge(nxt)}
                ],
                "success": edge(nxt),
            },
            {"type": "Pause", "name": f"p{i}", "timeout": "2", "success": edge(nxt)},
        ]
    items += [
        {
            "type": "HTTPRequest",
            "name": "api",
            "method": "POST",
            "protocol": "https",
            "host": "crm.example.ru",
            "port": "8443",
            "url": "/orders/{{orderId}}",
            "headers": {"X-Token": "abc"},
            "requestParameters": {"answer": "{{lastInput}}"},
            "requestParametersType": "json",
            "responseCodeVariable": "code",
            "responseBodyVariables": {"status": "data.status"},
            "success": edge("ask"),
            "error": edge("op"),
        },
        {
            "type": "Input",
            "name": "ask",
            "announcement": {"type": "text", "text": "Статус {{status}}. Введите код."},
            "inputMaxLength": "4",
            "variable": "code4",
            "success": edge("check"),
            "onNoInput": edge("end"),
        },
        {
            "type": "Condition",
            "name": "check",
            "conditions": [{"variable": "code4", "operator": "ge", "value": "1000",
                            "success": edge("end")}],
            "success": edge("op"),
        },
        {"type": "Redirection", "name": "op", "numberB": "+7 (495) 123-45-67",
         "success": edge("end"), "error": edge("end")},
        {"type": "ReleaseCall", "name": "end"},
    ]
    body["states"] = items
    return body
