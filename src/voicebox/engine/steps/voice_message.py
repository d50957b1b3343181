from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import VoiceMessageState


class VoiceMessageStep(Step):
    """Play a prompt; with `detectAI`, a machine or an AI assistant goes `onDetectAI`."""

    kind = "VoiceMessage"
    media = True
    __slots__ = ("announcement", "detect_ai")

    def __init__(self, state: VoiceMessageState):
        super().__init__(state)
        self.announcement = state.announcement
        self.detect_ai = state.detectAI

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        if self.detect_ai and ctx.robot_answered(await ctx.detect()) and self.has("onDetectAI"):
            return "onDetectAI"
        prompt = ctx.prompt(self.announcement)
        if prompt is not None:
            await ctx.call.play(prompt)
        return "success"
