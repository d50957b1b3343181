from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import InputState
from voicebox.telephony.base import Heard


class InputStep(Step):
    """Collect digits (ended by `#` or `inputMaxLength`) or an utterance into `variable`."""

    kind = "Input"
    media = True
    __slots__ = ("announcement", "dtmf", "max_length", "speech", "variable", "wait")

    def __init__(self, state: InputState):
        super().__init__(state)
        self.announcement = state.announcement
        self.wait = float(state.awaitingTime if state.awaitingTime is not None else 5)
        self.max_length = state.inputMaxLength if state.inputMaxLength else None
        self.dtmf = state.keyboardInput
        self.speech = state.voiceInput
        self.variable = state.variable.strip().strip("{}").strip() or "input"

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        heard = await self._listen(ctx)
        value = heard.text
        if self.max_length is not None:
            value = value[: self.max_length]
        ctx.heard(value)
        if heard.empty:
            ctx.variables[self.variable] = ""
            return self.first("onNoInput", "success")
        ctx.variables[self.variable] = value
        record.note(variable=self.variable, value=value)
        return "success"

    async def _listen(self, ctx: Context) -> Heard:
        call = ctx.call
        prompt = ctx.prompt(self.announcement)
        first = Heard()
        if prompt is not None:
            first = await call.play(prompt, barge_in_dtmf=self.dtmf, barge_in_speech=self.speech)
            if first.speech:
                return first
        limit = self.max_length
        if first.dtmf and limit is not None and len(first.dtmf) >= limit:
            return first
        rest = await call.collect(
            dtmf=self.dtmf, speech=self.speech and not first.dtmf, wait_seconds=self.wait,
            max_digits=None if limit is None else limit - len(first.dtmf), terminator="#",
        )
        if first.dtmf:
            return Heard(dtmf=first.dtmf + rest.dtmf, barged_in=True)
        return rest
