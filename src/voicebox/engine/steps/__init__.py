"""One step class per state kind, built from the validated format by `build_step`."""

from __future__ import annotations

from voicebox.engine.steps.base import Step
from voicebox.engine.steps.condition import ConditionStep
from voicebox.engine.steps.http_request import HTTPRequestStep
from voicebox.engine.steps.initial import InitialStep
from voicebox.engine.steps.input import InputStep
from voicebox.engine.steps.ivr import IVRStep
from voicebox.engine.steps.outgoing_call import OutgoingCallStep
from voicebox.engine.steps.pause import PauseStep
from voicebox.engine.steps.redirection import RedirectionStep
from voicebox.engine.steps.release_call import ReleaseCallStep
from voicebox.engine.steps.voice_message import VoiceMessageStep
from voicebox.errors import EngineError
from voicebox.scenario_language.format import BaseState

STEP_CLASSES: dict[str, type[Step]] = {
    cls.kind: cls
    for cls in (
        InitialStep, OutgoingCallStep, VoiceMessageStep, IVRStep, InputStep, ConditionStep,
        HTTPRequestStep, RedirectionStep, PauseStep, ReleaseCallStep,
    )
}


def build_step(state: BaseState) -> Step:
    """The executable step for `state`."""
    kind = getattr(state, "type", None)
    cls = STEP_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise EngineError(f"state {state.name!r} has an unknown kind {kind!r}", name=state.name)
    return cls(state)


__all__ = ["STEP_CLASSES", "Step", "build_step"]
