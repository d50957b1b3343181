from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord


class InitialStep(Step):
    kind = "Initial"

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        return "success"
