"""The `simulation` object's one schema: the campaigns API validates it, the simulator reads it.

```json
{"seed": 1,
 "default": {"result": "answer", "answerDelay": 3, "inputs": ["1"], "hangupAfter": 40},
 "rules": [{"match": "+79990000001", "result": "busy"},
           {"match": "+7999000*", "attempts": [{"result": "noanswer"}, {"result": "answer"}]}]}
```
Keys are camelCase (snake_case accepted); unknown keys are refused.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from voicebox.errors import Problem, Problems

Result = Literal["answer", "busy", "noanswer", "unreachable", "machine", "assistant", "failed"]
TransferResult = Literal["answer", "busy", "noanswer", "unreachable", "failed"]
# Digits with glob wildcards: `*` any digits, `?` one digit, `[0-4]` / `[135]` one of a set.
_MATCH = re.compile(r"^\+?(?:[0-9*?]|\[(?:[0-9](?:-[0-9])?)+\]){1,20}$")


def _token(value: Any) -> Any:
    """`No_Answer`, `no-answer` and `noanswer` name one result."""
    if isinstance(value, str):
        return value.strip().lower().replace("_", "").replace("-", "")
    return value


class BehaviourSpec(BaseModel):
    """One subscriber's behaviour; unset fields inherit from the layer below."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    result: Result | None = None
    answer_delay: float | None = Field(default=None, alias="answerDelay", ge=0, le=600)
    inputs: list[str] | None = Field(default=None, max_length=100)
    hangup_after: float | None = Field(default=None, alias="hangupAfter", ge=0, le=86400)
    transfer: TransferResult | None = None
    barge_in: bool | None = Field(default=None, alias="bargeIn")
    confidence: float | None = Field(default=None, ge=0, le=1)
    dtmf: Literal["tones", "events"] | None = None
    code: int | None = Field(default=None, ge=400, le=699,
                             description="the final SIP response of a failed dial")

    _normalise = field_validator("result", "transfer", mode="before")(_token)

    @field_validator("inputs", mode="before")
    @classmethod
    def _inputs(cls, value: Any) -> Any:
        if isinstance(value, list):  # digits sent as numbers are still key presses
            return ["" if v is None else str(v) if isinstance(v, int | float) else v
                    for v in value]
        return value

    @field_validator("inputs")
    @classmethod
    def _short_inputs(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(item) > 500 for item in value):
            raise ValueError("each input must be at most 500 characters")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields this layer sets (an explicit `hangupAfter: null` clears an inherited one)."""
        out: dict[str, Any] = {}
        for name in self.model_fields_set & set(BehaviourSpec.model_fields):
            value = getattr(self, name)
            if value is None and name != "hangup_after":
                continue
            out[name] = tuple(value) if name == "inputs" else value
        return out


class RuleSpec(BehaviourSpec):
    match: str = Field(
        description="E.164 number or a pattern: `*` any digits, `?` one digit, `[0-4]` one of a set"
    )
    attempts: list[BehaviourSpec] | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("match")
    @classmethod
    def _pattern(cls, value: str) -> str:
        value = value.strip().replace(" ", "")
        if not _MATCH.match(value):
            raise ValueError("must be an E.164 number or a pattern like '+7999*'")
        return "+" + value if value[0].isdigit() else value


class SimulationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    audio: bool | None = Field(default=None, description="audio mode (frames) or text mode; "
                               "unset: the server's VOICEBOX_SIM_AUDIO")
    default: BehaviourSpec | None = None
    rules: list[RuleSpec] = Field(default_factory=list, max_length=10_000)


def validate_simulation(data: Any) -> SimulationSpec:
    """Validate a `simulation` object; every problem is named `simulation.<path>`."""
    try:
        return SimulationSpec.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            path = ".".join(str(part) for part in item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(Problem(f"simulation.{path}" if path else "simulation", message))
        raise Problems(problems) from error


def stored_simulation(spec: SimulationSpec) -> dict[str, Any]:
    """The normalised object a campaign keeps (what the client set, canonical names)."""
    return spec.model_dump(by_alias=True, exclude_unset=True)
