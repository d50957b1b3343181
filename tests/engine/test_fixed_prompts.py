"""`fixed_prompts`: what a program says the same on every call, as the call will ask for it."""

from __future__ import annotations

from voicebox.engine import compile_scenario, fixed_prompts
from voicebox.engine.config import EngineConfig
from voicebox.engine.context import Context
from voicebox.telephony.base import VirtualClock
from voicebox.telephony.scripted import ScriptedCall


def body(scenario, chain):
    return scenario(chain(
        {"type": "VoiceMessage", "name": "hello",
         "announcement": {"text": "  Здравствуйте, {{name|клиент}}!"}},
        {"type": "VoiceMessage", "name": "intro", "announcement": {"text": " Это VoiceBox.  "}},
        {"type": "IVR", "name": "ask", "announcement": {"text": "Нажмите 1."},
         "inputAnalysis": [{"dtmf": "1", "success": "thanks"}], "success": "file"},
        {"type": "VoiceMessage", "name": "file", "announcement": {"type": "file", "file": "a1"}},
        {"type": "Input", "name": "code", "announcement": {"text": "Сегодня {{today}}."}},
        {"type": "VoiceMessage", "name": "again", "announcement": {"text": "Это VoiceBox."}},
        {"type": "ReleaseCall", "name": "end"},
        {"type": "VoiceMessage", "name": "thanks", "announcement": {"text": "Спасибо!"},
         "success": "end"},
        {"type": "VoiceMessage", "name": "orphan", "announcement": {"text": "Никогда."}},
    ), settings={"voice": "Zahar", "speed": "1.5", "emotion": "good"})


def test_fixed_texts_in_call_order_without_variables_files_or_unreachable_states(
        scenario, chain) -> None:
    program = compile_scenario(body(scenario, chain))
    prompts = fixed_prompts(program, limit=10)
    assert [p.text for p in prompts] == ["Это VoiceBox.", "Нажмите 1.", "Спасибо!"]
    assert fixed_prompts(program, limit=2) == prompts[:2]
    # The same Prompt a call makes, so the TTS cache key is the same.
    clock = VirtualClock()
    ctx = Context(call=ScriptedCall(clock), clock=clock, config=EngineConfig(),
                  variables={}, settings=program.settings, http=None)
    intro = program.steps["intro"].state.announcement  # type: ignore[attr-defined]
    assert ctx.prompt(intro) == prompts[0]
    assert prompts[0].voice == ctx.voice and prompts[0].voice.speed == 150
