"""Runs one scenario on one call: `Initial` → … → `ReleaseCall`, under the guards.

Guards: at most `max_steps` steps; one timer for `max_duration` (a state with `onExpiry` gets
`expiry_grace` more seconds on that branch, else the call ends); a remote hangup ends the run at
any await. Both interrupts cancel the run's own task and are told apart from a real cancellation
by a flag, so a step needs no guard code of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from voicebox.engine.config import EngineConfig
from voicebox.engine.context import Context, NotAnswered
from voicebox.engine.steps import Step, build_step
from voicebox.engine.trace import Outcome, StepRecord
from voicebox.errors import EngineError, VoiceboxError
from voicebox.scenario_language.format import ScenarioBody, Settings
from voicebox.telephony.base import (
    CallLeg,
    CallResult,
    CallState,
    Clock,
    RealClock,
    RemoteHangup,
    TimerHandle,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Program:
    """A scenario compiled into steps; build once, run on any number of calls."""

    steps: dict[str, Step]
    initial: str
    settings: Settings
    files: Mapping[str, str] = field(default_factory=dict)  # audio file id → path to play


def compile_scenario(scenario: ScenarioBody, *, files: Mapping[str, str] | None = None) -> Program:
    """Build every step; raises EngineError when there is no `Initial` state.

    Args:
        files: where each audio file the scenario plays was found for its customer (the
            caller resolves them, so neither the engine nor telephony looks one up).
    """
    initial = scenario.initial()
    if initial is None:
        raise EngineError("the scenario has no Initial state", name="states")
    steps: dict[str, Step] = {}
    for state in scenario.states:
        steps.setdefault(state.name, build_step(state))
    return Program(steps, initial.name, scenario.settings, dict(files or {}))


async def run_scenario(
    scenario: ScenarioBody | Program,
    call: CallLeg,
    *,
    variables: Mapping[str, object] | None = None,
    config: EngineConfig | None = None,
    clock: Clock | None = None,
    http: httpx.AsyncClient | None = None,
) -> Outcome:
    """Run `scenario` on `call` to its end and return the outcome; the call is hung up after.

    `call` is a `NEW` outbound leg (dialled by `OutgoingCall`, or implicitly to `{{phone}}` by
    the first step that needs media), a `RINGING` inbound leg (answered by the first media step),
    or an `ANSWERED` one. Cancelling the caller cancels the run and hangs up.
    """
    program = scenario if isinstance(scenario, Program) else compile_scenario(scenario)
    run = _Run(program, call, variables or {}, config or EngineConfig(), clock or RealClock(), http)
    task = asyncio.get_running_loop().create_task(run.execute())
    run.task = task
    return await task


class _Run:
    __slots__ = ("call", "clock", "config", "ctx", "expired_once", "finishing", "pending",
                 "program", "task", "timers", "trace")

    def __init__(self, program: Program, call: CallLeg, variables: Mapping[str, object],
                 config: EngineConfig, clock: Clock, http: httpx.AsyncClient | None):
        values = {str(k): "" if v is None else str(v) for k, v in variables.items()}
        values.setdefault("callId", call.id)
        values.setdefault("lastInput", "")
        values.setdefault("lastIntent", "")
        self.program = program
        self.call = call
        self.clock = clock
        self.config = config
        self.ctx = Context(call=call, clock=clock, config=config, variables=values,
                           settings=program.settings, http=http, files=program.files)
        self.trace: list[StepRecord] = []
        self.pending: str | None = None
        self.finishing = False
        self.expired_once = False
        self.task: asyncio.Task[Outcome] | None = None
        self.timers: list[TimerHandle] = []

    def _finish(self) -> None:
        self.finishing = True
        for timer in self.timers:
            timer.cancel()

    def _interrupt(self, why: str) -> None:
        if self.finishing or (self.pending is not None and why != "hangup"):
            return
        first = self.pending is None
        self.pending = why
        if first:  # deliver from the loop, never inside a driver call the run is making
            asyncio.get_running_loop().call_soon(self._deliver)

    def _deliver(self) -> None:
        if self.pending is not None and not self.finishing and self.task is not None:
            self.task.cancel()

    async def execute(self) -> Outcome:
        ctx, clock, call = self.ctx, self.clock, self.call
        started_wall = clock.wall().isoformat(timespec="seconds")
        if call.state is CallState.ANSWERED:
            ctx.dial_result = CallResult.ANSWERED
        timer = clock.call_later(self.config.max_duration, lambda: self._interrupt("expired"))
        call.on_hangup(lambda: self._interrupt("hangup"))
        reason, error = "no_transition", None
        self.timers.append(timer)
        try:
            reason, error = await self._loop()
        except asyncio.CancelledError:  # the caller gave up on the call: hang up, then obey
            self._finish()
            if call.state is not CallState.ENDED:
                await call.hangup(CallResult.CANCELLED)
            raise
        self._finish()
        duration = call.elapsed()
        if call.state is not CallState.ENDED and reason != "remote_hangup":
            try:
                await call.hangup(ctx.dial_result or CallResult.CANCELLED)
            except Exception:  # the outcome matters more than a failed BYE
                log.exception("hangup of call %s failed", call.id)
        answered = ctx.dial_result is CallResult.ANSWERED
        # History keeps the kind of the attempt (the driver maps its final response to it:
        # a ring timeout is a no-answer though the trunk's last word was 487); the real code
        # goes with it for the retry policy and the trace.
        status = 200 if answered else int(ctx.dial_result or CallResult.CANCELLED)
        if not answered and error is None:
            error = call.error  # the driver's words: "trunk refused our credentials (403 …)"
        if reason == "no_transition" and not answered and ctx.dial_result is not None:
            reason = "not_answered"
        if ctx.transfer is not None and reason in ("released", "no_transition"):
            reason = "transferred"
        detection = ctx.detection
        return Outcome(
            status=status, answered=answered, duration=duration if answered else 0.0,
            reason=reason, variables=ctx.variables, trace=self.trace, started_at=started_wall,
            transfer=ctx.transfer,
            detection=None if detection is None else
            {"kind": detection.kind.value, "confidence": detection.confidence},
            error=error, steps=len(self.trace), code=call.final_code,
        )

    async def _loop(self) -> tuple[str, str | None]:
        ctx, clock, program, call = self.ctx, self.clock, self.program, self.call
        step = program.steps[program.initial]
        origin = ctx.started
        max_steps = self.config.max_steps
        trace = self.trace
        while True:
            if len(trace) >= max_steps:
                return "max_steps", f"more than {max_steps} steps"
            record = StepRecord(len(trace), step.name, step.kind, clock.now() - origin)
            ctx.record = record
            trace.append(record)
            stop: str | None = None
            try:
                if step.media and call.state is not CallState.ANSWERED:
                    await ctx.ensure_answered()
                field = await step.run(ctx, record)
            except asyncio.CancelledError:
                why = self.pending
                if why is None:
                    raise
                self.pending = None
                assert self.task is not None  # only `self.task` is cancelled with a reason
                self.task.uncancel()
                field, stop = self._interrupted(why, step, record)
            except RemoteHangup:
                record.error, field, stop = "remote hangup", None, "remote_hangup"
            except NotAnswered as exc:
                ctx.dial_result = exc.result
                record.note(dial=exc.result.label, code=int(exc.result))
                record.error, field, stop = f"call not answered: {exc.result.label}", None, \
                    "not_answered"
            except VoiceboxError as exc:
                record.error, field = exc.message, "error"
            except Exception as exc:
                log.exception("step %s of call %s failed", step.name, self.call.id)
                # The trace is the customer's to read: the text may hold server paths; the log
                # has it all.
                record.error, field = f"internal error ({type(exc).__name__})", "error"
            record.end = clock.now() - origin
            if stop is not None:
                return stop, record.error if stop not in ("remote_hangup",) else None
            if field is None:
                return "released", None
            record.transition = field
            target = step.edges.get(field)
            if target is None:
                return "no_transition", record.error
            following = program.steps.get(target)
            if following is None:
                record.error = f"transition to unknown state {target!r}"
                return "no_transition", record.error
            record.next_state = target
            step = following

    def _interrupted(
        self, why: str, step: Step, record: StepRecord
    ) -> tuple[str | None, str | None]:
        if why == "hangup":
            record.error = "remote hangup"
            return None, "remote_hangup"
        record.error = "call time budget exhausted"
        if not self.expired_once and step.has("onExpiry"):
            self.expired_once = True
            self.timers.append(
                self.clock.call_later(self.config.expiry_grace, lambda: self._interrupt("expired"))
            )
            return "onExpiry", None
        return None, "expired"
