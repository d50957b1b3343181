from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.matching import (
    BranchMatcher,
    first_match,
    intent_of,
    padded,
    pooled_confidence,
    understood,
)
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import IVRState
from voicebox.scenario_language.keywords import DIGIT_HINTS
from voicebox.telephony.base import Heard
from voicebox.text import detect_language


class IVRStep(Step):
    """Ask and listen: the first matching branch wins; no match → `onInvalidInput`; silence →
    ask again `repeatCount` times, then `onNoInput`; `success` is the default for both."""

    kind = "IVR"
    media = True
    __slots__ = ("announcement", "dtmf", "hints", "immediate", "language", "matchers",
                 "max_digits", "speech", "tries", "wait")
    state: IVRState

    def __init__(self, state: IVRState):
        super().__init__(state)
        self.announcement = state.announcement
        self.wait = float(state.awaitingTime if state.awaitingTime is not None else 5)
        self.tries = 1 + max(int(state.repeatCount or 0), 0)
        self.dtmf = state.keyboardInput
        self.speech = state.voiceInput
        self.immediate = bool(state.immediateStt)  # the answer ends at the speaker's first pause
        self.matchers = tuple(BranchMatcher.build(branch) for branch in state.inputAnalysis)
        lengths = [len(m.dtmf) for m in self.matchers if m.dtmf]
        self.max_digits = max(lengths, default=1)
        text = state.announcement.text if state.announcement is not None else None
        self.language = detect_language(text) if text else "ru"
        # What the recogniser is told to expect: the branches' words and intents' phrasings in
        # the prompt's language, and the digit words when a branch takes digits.
        hints = [p.rstrip("*") for m in self.matchers for p in m.phrases
                 if detect_language(p) == self.language]
        if lengths:
            hints += DIGIT_HINTS.get(self.language, ())
        self.hints = tuple(dict.fromkeys(hints))

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        if self.state.detectAI and ctx.robot_answered(await ctx.detect()) \
                and self.has("onDetectAI"):
            return "onDetectAI"
        for attempt in range(self.tries):
            heard = await self._ask(ctx)
            ctx.heard(heard.text)
            if heard.empty:
                continue
            record.note(attempt=attempt + 1)
            if heard.speech and not heard.dtmf:
                record.note(text=heard.speech, confidence=pooled_confidence(heard),
                            alternatives=[list(a) for a in heard.alternatives],
                            asr_ms=heard.asr_ms)
                if not understood(heard, ctx.config.asr_min_confidence):
                    record.note(matched=None, unclear=True)
                    if attempt + 1 < self.tries:
                        continue  # not understood: asked again while retries last
                    return self.first("onInvalidInput", "success")
            text = padded(heard.speech) if heard.speech else ""
            found = first_match(self.matchers, heard, text)
            if text:
                ctx.variables["lastIntent"] = intent_of(text)
            if found is None:
                record.note(matched=None)
                return self.first("onInvalidInput", "success")
            index, how = found
            record.note(matched=how, branch=index)
            field = f"inputAnalysis[{index}]"
            return field if field in self.edges else self.first("success")
        record.note(attempt=self.tries, matched=None)
        return self.first("onNoInput", "success")

    async def _ask(self, ctx: Context) -> Heard:
        prompt = ctx.prompt(self.announcement)
        if prompt is not None:
            heard = await ctx.call.play(prompt, barge_in_dtmf=self.dtmf,
                                        barge_in_speech=self.speech)
            if heard.dtmf and self._longer_branch(heard.dtmf):
                rest = await ctx.call.collect(
                    dtmf=True, speech=False, wait_seconds=self.wait,
                    max_digits=self.max_digits - len(heard.dtmf), terminator="#")
                return Heard(dtmf=heard.dtmf + rest.dtmf, barged_in=True)
            if not heard.empty:
                return heard
        return await ctx.call.collect(
            dtmf=self.dtmf, speech=self.speech, wait_seconds=self.wait,
            max_digits=self.max_digits, terminator="#", language=self.language, hints=self.hints,
            immediate=self.immediate,
        )

    def _longer_branch(self, digits: str) -> bool:
        """Some branch's digits go on from `digits` (typed over the prompt, the first key
        barged in): the rest of the number is still to be collected."""
        return any(m.dtmf is not None and len(m.dtmf) > len(digits) and m.dtmf.startswith(digits)
                   for m in self.matchers)
