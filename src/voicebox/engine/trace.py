"""What a run leaves behind: one `StepRecord` per executed state, and the call's `Outcome`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class StepRecord:
    """One executed state, like an execution step of Twilio Studio."""

    index: int
    state: str
    kind: str
    start: float  # seconds since the run started (call clock)
    end: float = 0.0
    prompt: list[str] | None = None  # texts (or file ids) played
    heard: list[str] | None = None  # inputs, one per listen ("" = silence)
    transition: str | None = None  # the field taken: success, error, onNoInput, inputAnalysis[2]…
    next_state: str | None = None
    detail: dict[str, Any] | None = None  # kind-specific facts: http, dial, detection, matched…
    missing: list[str] | None = None  # template variables that rendered empty
    error: str | None = None

    def said(self, text: str) -> None:
        if self.prompt is None:
            self.prompt = []
        self.prompt.append(text)

    def listened(self, text: str) -> None:
        if self.heard is None:
            self.heard = []
        self.heard.append(text)

    def note(self, **facts: Any) -> None:
        if self.detail is None:
            self.detail = {}
        self.detail.update(facts)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "index": self.index,
            "state": self.state,
            "kind": self.kind,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
        }
        for key in ("prompt", "heard", "transition", "next_state", "detail", "missing", "error"):
            value = getattr(self, key)
            if value is not None:
                data["nextState" if key == "next_state" else key] = value
        return data


@dataclass(slots=True)
class Outcome:
    """The result of one run; `status` is the call history's code (200, 486, 480, 404, 487 or
    503); `code` the real final SIP response when the driver got one (603, 408, 403 …), which
    the retry policy reads."""

    status: int
    answered: bool
    duration: float  # answered seconds
    reason: str  # released, remote_hangup, not_answered, transferred, expired, max_steps,
    # no_transition, error
    variables: dict[str, str]
    trace: list[StepRecord]
    started_at: str  # wall time ISO 8601
    transfer: dict[str, Any] | None = None
    detection: dict[str, Any] | None = None
    error: str | None = None
    steps: int = field(default=0)
    code: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "answered": self.answered,
            "duration": round(self.duration, 3),
            "reason": self.reason,
            "startedAt": self.started_at,
            "steps": self.steps,
            "variables": dict(self.variables),
            "transfer": self.transfer,
            "detection": self.detection,
            "error": self.error,
            "trace": [step.to_json() for step in self.trace],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)
