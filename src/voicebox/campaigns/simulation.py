"""The `simulation` extension of a campaign: how the simulated subscribers behave.

```json
{"seed": 1,
 "default": {"result": "answer", "answerDelay": 2, "inputs": ["1"], "hangupAfter": 60},
 "rules": [{"match": "+79990000001", "result": "busy"},
           {"match": "+7999000*", "result": "noanswer"}]}
```
The first rule whose `match` fits the callee (exact E.164, or a prefix ending in `*`) wins; a
rule's unset fields fall back to `default`. The dialer's simulator reads `Simulation.behaviour_for`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from voicebox.errors import Problem, Problems

Result = Literal["answer", "busy", "noanswer", "unreachable", "machine"]
_MATCH = re.compile(r"^\+?\d{1,15}\*?$|^\*$")


class Behaviour(BaseModel):
    """One subscriber's behaviour; unset fields inherit from the campaign's default."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    result: Result | None = None
    answer_delay: float | None = Field(default=None, alias="answerDelay", ge=0, le=600)
    inputs: list[str] | None = Field(default=None, max_length=100)
    hangup_after: float | None = Field(default=None, alias="hangupAfter", ge=0, le=86400)

    @field_validator("inputs")
    @classmethod
    def _short_inputs(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(item) > 500 for item in value):
            raise ValueError("each input must be at most 500 characters")
        return value


class Rule(Behaviour):
    match: str = Field(description="E.164 number, or a prefix ending in `*`")

    @field_validator("match")
    @classmethod
    def _pattern(cls, value: str) -> str:
        value = value.strip().replace(" ", "")
        if not _MATCH.match(value):
            raise ValueError("must be an E.164 number or a prefix ending in '*', e.g. '+7999*'")
        return value if value.startswith(("+", "*")) else "+" + value

    def fits(self, phone: str) -> bool:
        if self.match.endswith("*"):
            return phone.startswith(self.match[:-1])
        return phone == self.match


DEFAULT_BEHAVIOUR = Behaviour(result="answer", answerDelay=1, inputs=[], hangupAfter=None)


class Simulation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    default: Behaviour = Field(default_factory=Behaviour)
    rules: list[Rule] = Field(default_factory=list, max_length=10_000)

    def behaviour_for(self, phone: str) -> Behaviour:
        """The effective behaviour for a callee: first fitting rule over default over built-in."""
        layers: list[Behaviour] = [DEFAULT_BEHAVIOUR, self.default]
        for rule in self.rules:
            if rule.fits(phone):
                layers.append(rule)
                break
        merged: dict[str, Any] = {}
        for layer in layers:
            merged.update(layer.model_dump(exclude_none=True, exclude={"match"}))
        return Behaviour.model_validate(merged)


def parse_simulation(data: Any) -> Simulation | None:
    """Validate a client's `simulation` object; every problem named `simulation.<path>`."""
    if data is None:
        return None
    try:
        return Simulation.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            path = ".".join(str(part) for part in item["loc"])
            problems.append(
                Problem(f"simulation.{path}" if path else "simulation", str(item["msg"]))
            )
        raise Problems(problems) from error
