from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord


class ReleaseCallStep(Step):
    """Hang up; the runner does it once the run ends."""

    kind = "ReleaseCall"

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        return None
