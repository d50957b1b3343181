"""Virtual subscribers: how a simulated callee behaves, from a campaign's `simulation` object.

The object's format is `schema.SimulationSpec`. A behaviour is `{result, answerDelay, inputs, hangupAfter, transfer, bargeIn, confidence}`;
`attempts` (our extension) gives one behaviour per attempt, the last one repeating. Without a
`simulation` object every number gets a seeded draw from realistic defaults (`REALISTIC`).
Everything is deterministic: the draw depends only on the seed, the number and the attempt.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from voicebox.telephony.base import CallResult
from voicebox.telephony.simulated.schema import SimulationSpec, validate_simulation

TRANSFER_RESULTS = {
    "answer": CallResult.ANSWERED,
    "busy": CallResult.BUSY,
    "noanswer": CallResult.NO_ANSWER,
    "unreachable": CallResult.UNREACHABLE,
    "failed": CallResult.FAILED,
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
    dtmf: str = "tones"  # audio mode: digits as in-band "tones" or out-of-band "events"
    code: int | None = None  # the final SIP response of a failed dial (603, 408 …)

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
    audio: bool | None = None  # None: the gateway's setting (`VOICEBOX_SIM_AUDIO`)

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


def parse_simulation(data: Mapping[str, Any] | SimulationSpec | None) -> Simulation:
    """Read a `simulation` object through its schema; raises Problems naming each bad field."""
    if data is None:
        return Simulation()
    spec = data if isinstance(data, SimulationSpec) else validate_simulation(data)
    default = replace(Behaviour(), **spec.default.changes()) if spec.default else None
    rules = []
    for raw in spec.rules:
        base = replace(default or Behaviour(), **raw.changes())
        attempts = tuple(replace(base, **item.changes()) for item in raw.attempts or ()) or (base,)
        rules.append(Rule(raw.match, attempts))
    return Simulation(seed=spec.seed, default=default, rules=tuple(rules), audio=spec.audio)
