"""What happened on a text-mode simulated call, as its recording hears it: prompts played and
inputs received, each at its call-clock offset from the answer. Cheap to keep per live call
(no audio)."""

from __future__ import annotations

from dataclasses import dataclass, field

from voicebox.telephony.base import Heard, Prompt


@dataclass(frozen=True, slots=True)
class Event:
    """A prompt the robot started (`prompt`) or an input the subscriber finished (`heard`)."""

    at: float  # call-clock seconds since the answer
    prompt: Prompt | None = None
    heard: Heard | None = None

    @property
    def side(self) -> str:
        return "robot" if self.prompt is not None else "subscriber"


@dataclass(slots=True)
class Timeline:
    call_id: str
    events: list[Event] = field(default_factory=list)
    duration: float = 0.0  # answered seconds, known when the call ends

    def played(self, at: float, prompt: Prompt) -> None:
        if prompt.text or prompt.file:
            self.events.append(Event(at, prompt=prompt))

    def heard(self, at: float, heard: Heard) -> None:
        if not heard.empty:
            self.events.append(Event(at, heard=heard))
