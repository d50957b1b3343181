from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import OutgoingCallState
from voicebox.telephony.base import CallResult, CallState


class OutgoingCallStep(Step):
    """Dial the abonent; `success` once answered, `error` when not reached."""

    kind = "OutgoingCall"
    __slots__ = ("phone",)

    def __init__(self, state: OutgoingCallState):
        super().__init__(state)
        self.phone = state.phone

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        call = ctx.call
        if call.state is CallState.ANSWERED:
            record.note(dial="already answered")
            return "success"
        if call.state is CallState.RINGING:
            result = await call.answer()
        else:
            number = ctx.render(self.phone).strip()
            if not number:
                record.error = "no number to dial"
                ctx.dial_result = CallResult.UNREACHABLE
                return "error"
            result = await call.dial(number, ring_seconds=ctx.config.ring_seconds)
            record.note(number=number)
        ctx.dial_result = result
        record.note(dial=result.label, code=int(result))
        if result is not CallResult.ANSWERED:
            if call.final_code is not None and call.final_code != int(result):
                record.note(sip=call.final_code)
            record.error = call.error
        return "success" if result is CallResult.ANSWERED else "error"
