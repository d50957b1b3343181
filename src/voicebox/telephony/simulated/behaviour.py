"""Virtual subscribers: how a simulated callee behaves, from a campaign's `simulation` object.

```json
{"seed": 1,
 "default": {"result": "answer", "answerDelay": 3, "inputs": ["1"], "hangupAfter": 40},
 "rules": [{"match": "+79990000001", "result": "busy"},
           {"match": "+7999000*", "attempts": [{"result": "noanswer"}, {"result": "answer"}]}]}
```

A behaviour is `{result, answerDelay, inputs, hangupAfter, transfer, bargeIn, confidence}`;
`attempts` (our extension) gives one behaviour per attempt, the last one repeating. Without a
`simulation` object every number gets a seeded draw from realistic defaults (`REALISTIC`).
Everything is deterministic: the draw depends only on the seed, the number and the attempt.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from voicebox.errors import InvalidInput
from voicebox.telephony.base import CallResult

RESULTS = ("answer", "busy", "noanswer", "unreachable", "machine", "assistant", "failed")
TRANSFER_RESULTS = {
    "answer": CallResult.ANSWERED,
    "busy": CallResult.BUSY,
    "noanswer": CallResult.NO_ANSWER,
    "unreachable": CallResult.UNREACHABLE,
    "failed": CallResult.FAILED,
}
_KEYS = {
    "result": "result",
    "answerDelay": "answer_delay",
    "inputs": "inputs",
    "hangupAfter": "hangup_after",
    "transfer": "transfer",
    "bargeIn": "barge_in",
    "confidence": "confidence",
}


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What one virtual subscriber does on one call (seconds are call-clock seconds)."""

    result: str = "answer"
    answer_delay: float = 3.0
    inputs: tuple[str, ...] = ()
    hangup_after: float | None = None
    transfer: str = "answer"
    barge_in: bool = False
    confidence: float = 0.9

    @property
    def answers(self) -> bool:
        return self.result in ("answer", "machine", "assistant")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"result": self.result, "answerDelay": self.answer_delay,
                                "inputs": list(self.inputs), "transfer": self.transfer}
        if self.hangup_after is not None:
            data["hangupAfter"] = self.hangup_after
        if self.barge_in:
            data["bargeIn"] = True
        return data


def _field(data: Mapping[str, Any], where: str, base: Behaviour) -> Behaviour:
    changes: dict[str, Any] = {}
    for key, attr in _KEYS.items():
        snake = attr if attr in data else key
        if snake not in data:
            continue
        value = data[snake]
        if value is None:
            if attr == "hangup_after":
                changes[attr] = None
            continue
        if attr == "result":
            value = str(value).lower().replace("_", "").replace("-", "")
            if value not in RESULTS:
                raise InvalidInput(f"{where}.result must be one of {', '.join(RESULTS)}",
                                   name=f"{where}.result")
        elif attr == "transfer":
            value = str(value).lower()
            if value not in TRANSFER_RESULTS:
                raise InvalidInput(f"{where}.transfer must be one of "
                                   f"{', '.join(TRANSFER_RESULTS)}", name=f"{where}.transfer")
        elif attr == "inputs":
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise InvalidInput(f"{where}.inputs must be a list of strings",
                                   name=f"{where}.inputs")
            value = tuple("" if v is None else str(v) for v in value)
        elif attr in ("answer_delay", "hangup_after", "confidence"):
            try:
                value = float(value)
            except (TypeError, ValueError) as error:
                raise InvalidInput(f"{where}.{key} must be a number", name=f"{where}.{key}") \
                    from error
            if value < 0:
                raise InvalidInput(f"{where}.{key} must not be negative", name=f"{where}.{key}")
        elif attr == "barge_in":
            value = bool(value)
        changes[attr] = value
    return replace(base, **changes)


@dataclass(frozen=True, slots=True)
class Rule:
    match: str
    attempts: tuple[Behaviour, ...]

    def matches(self, number: str) -> bool:
        if any(ch in self.match for ch in "*?["):
            return fnmatch.fnmatchcase(number, self.match)
        return number == self.match

    def for_attempt(self, attempt: int) -> Behaviour:
        return self.attempts[min(max(attempt, 1), len(self.attempts)) - 1]


@dataclass(frozen=True, slots=True)
class Simulation:
    """A parsed `simulation` object; `behaviour(number, attempt)` is what that callee does."""

    seed: int = 1
    default: Behaviour | None = None
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def behaviour(self, number: str, attempt: int = 1) -> Behaviour:
        for rule in self.rules:
            if rule.matches(number):
                return rule.for_attempt(attempt)
        if self.default is not None:
            return self.default
        return realistic(rng_for(self.seed, number, attempt))


def rng_for(seed: int, number: str, attempt: int, salt: str = "") -> random.Random:
    """A generator that depends only on its arguments (str seeds hash with SHA-512)."""
    return random.Random(f"{seed}|{number}|{attempt}|{salt}")


REALISTIC = (  # result, weight, answer delay range (s)
    ("answer", 70, (2.0, 12.0)),
    ("busy", 8, (1.0, 4.0)),
    ("noanswer", 10, (0.0, 0.0)),
    ("unreachable", 2, (1.0, 3.0)),
    ("machine", 7, (3.0, 15.0)),
    ("failed", 3, (0.5, 2.0)),
)
_SAMPLE_INPUTS = ("1", "2", "да", "нет", "", "9", "перезвоните позже", "оператор")


def realistic(rng: random.Random) -> Behaviour:
    """A plausible subscriber: most answer after a few rings and say or press something."""
    roll = rng.uniform(0, sum(weight for _, weight, _ in REALISTIC))
    result, _, (low, high) = REALISTIC[-1]
    for candidate in REALISTIC:
        roll -= candidate[1]
        if roll <= 0:
            result, _, (low, high) = candidate
            break
    inputs = tuple(rng.choice(_SAMPLE_INPUTS) for _ in range(rng.randint(1, 3)))
    hangup = rng.uniform(20.0, 90.0) if rng.random() < 0.15 else None
    return Behaviour(result=result, answer_delay=round(rng.uniform(low, high), 2),
                     inputs=inputs if result == "answer" else (), hangup_after=hangup)


def parse_simulation(data: Mapping[str, Any] | None) -> Simulation:
    """Read a `simulation` object (camelCase or snake_case keys); raises InvalidInput."""
    if not data:
        return Simulation()
    if not isinstance(data, Mapping):
        raise InvalidInput("simulation must be an object", name="simulation")
    try:
        seed = int(data.get("seed", 1) or 1)
    except (TypeError, ValueError) as error:
        raise InvalidInput("simulation.seed must be an integer", name="simulation.seed") \
            from error
    default = None
    if data.get("default") is not None:
        default = _field(data["default"], "simulation.default", Behaviour())
    rules = []
    for index, raw in enumerate(data.get("rules") or ()):
        where = f"simulation.rules[{index}]"
        if not isinstance(raw, Mapping) or not raw.get("match"):
            raise InvalidInput(f"{where}.match is required", name=f"{where}.match")
        base = _field(raw, where, default or Behaviour())
        attempts = tuple(
            _field(item, f"{where}.attempts[{n}]", base)
            for n, item in enumerate(raw.get("attempts") or ())
        ) or (base,)
        rules.append(Rule(str(raw["match"]), attempts))
    return Simulation(seed=seed, default=default, rules=tuple(rules))
