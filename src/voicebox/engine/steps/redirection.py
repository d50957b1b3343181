from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import RedirectionState
from voicebox.telephony.base import CallResult, TransferTarget


class RedirectionStep(Step):
    """Transfer the caller to a number or SIP URI; `success` when the person answered."""

    kind = "Redirection"
    media = True
    __slots__ = ()
    state: RedirectionState

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        state = self.state
        sip = state.forwardType.strip().lower() == "sip"
        target = TransferTarget(
            number=None if sip else ctx.render(state.numberB).strip() or None,
            sip_uri=ctx.render(state.sipUri).strip() or None if sip else None,
            extension=ctx.render(state.extension).strip() or None,
            caller_display=ctx.render(state.callingPartyDisplay).strip() or None,
        )
        where = target.sip_uri if sip else target.number
        if not where:
            record.error = "no transfer target"
            return "error"
        result = await ctx.call.transfer(target, ring_seconds=ctx.config.ring_seconds)
        facts: dict[str, object] = {"target": where, "extension": target.extension, "result": result.label,
                 "code": int(result)}
        record.note(**facts)
        if result is CallResult.ANSWERED:
            ctx.transfer = facts
            return "success"
        return "error"
