from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import PauseState


class PauseStep(Step):
    kind = "Pause"
    media = True  # silence is played on an answered call
    __slots__ = ("seconds",)

    def __init__(self, state: PauseState):
        super().__init__(state)
        self.seconds = float(state.timeout or 0)

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        await ctx.clock.sleep(self.seconds)
        return "success"
