"""The README's example scenario (a payment reminder), shared by the tests that play it."""

from __future__ import annotations

README_SCENARIO = {
    "title": "Напоминание о платеже", "type": "outgoing", "customVariables": ["fio", "amount"],
    "states": [
        {"type": "Initial", "name": "start", "success": "call"},
        {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}", "success": "ask",
         "error": "end"},
        {"type": "IVR", "name": "ask", "awaitingTime": 5, "repeatCount": 1,
         "keyboardInput": True, "voiceInput": True,
         "announcement": {"type": "text", "text": "{{fio}}, у вас долг {{amount}} рублей. "
                          "Оплатите сегодня? Нажмите 1 или скажите да."},
         "inputAnalysis": [{"dtmf": "1", "words": "да, оплачу", "success": "thanks"}],
         "onNoInput": "end", "onInvalidInput": "end", "success": "end", "error": "end"},
        {"type": "VoiceMessage", "name": "thanks",
         "announcement": {"type": "text", "text": "Спасибо!"}, "success": "end", "error": "end"},
        {"type": "ReleaseCall", "name": "end"}]}
