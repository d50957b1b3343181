"""A survey scenario that reaches every path the simulator can drive, for dialer tests."""

from __future__ import annotations

from typing import Any


def edge(target: str) -> dict[str, str]:
    return {"title": "", "newState": target}


def survey(*, pause: int | None = None, title: str = "Опрос") -> dict[str, Any]:
    """Dial → greet (robots go to `robot`) → ask (1/да, 2/нет, 0/оператор → transfer) → end."""
    greet_next = "hold" if pause is not None else "ask"
    states: list[dict[str, Any]] = [
        {"type": "Initial", "name": "start", "success": edge("call")},
        {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}",
         "success": edge("greet"), "error": edge("end")},
        {"type": "VoiceMessage", "name": "greet",
         "announcement": {"type": "text", "text": "Здравствуйте, {{name|клиент}}!"},
         "detectAI": True, "onDetectAI": edge("robot"), "success": edge(greet_next)},
        {"type": "IVR", "name": "ask",
         "announcement": {"type": "text", "text": "Нажмите 1 или скажите да."},
         "awaitingTime": 5, "repeatCount": 1, "voiceInput": True, "keyboardInput": True,
         "inputAnalysis": [
             {"dtmf": "1", "words": "да", "success": edge("yes")},
             {"dtmf": "2", "words": "нет", "success": edge("no")},
             {"dtmf": "0", "words": "оператор", "success": edge("transfer")},
         ],
         "onNoInput": edge("end"), "onInvalidInput": edge("end"), "success": edge("end")},
        {"type": "VoiceMessage", "name": "yes",
         "announcement": {"type": "text", "text": "Спасибо, записали."}, "success": edge("end")},
        {"type": "VoiceMessage", "name": "no",
         "announcement": {"type": "text", "text": "Жаль."}, "success": edge("end")},
        {"type": "VoiceMessage", "name": "robot",
         "announcement": {"type": "text", "text": "Перезвоним позже."}, "success": edge("end")},
        {"type": "Redirection", "name": "transfer", "numberB": "+74950000000",
         "success": edge("end"), "error": edge("end")},
        {"type": "ReleaseCall", "name": "end"},
    ]
    if pause is not None:
        states.append({"type": "Pause", "name": "hold", "timeout": pause, "success": edge("ask")})
    return {"title": title, "type": "outgoing", "states": states, "customVariables": ["name"]}


def inbound(title: str = "Входящий") -> dict[str, Any]:
    """Answer → ask → thank; the inbound twin of `survey` without dialling."""
    body = survey(title=title)
    body["type"] = "incoming"
    body["states"] = [s for s in body["states"] if s["type"] != "OutgoingCall"]
    body["states"][0]["success"] = edge("greet")
    return body
