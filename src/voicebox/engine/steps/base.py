"""What every step is: built once from its state, run once per visit, returns the edge it takes."""

from __future__ import annotations

from typing import ClassVar

from voicebox.engine.context import Context
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import BaseState


class Step:
    """One scenario state made executable. `run` returns the name of the transition field to
    follow (`success`, `error`, `inputAnalysis[1]`…) or None to end the call."""

    kind: ClassVar[str]
    media: ClassVar[bool] = False  # needs an answered call
    __slots__ = ("edges", "name", "state")

    def __init__(self, state: BaseState):
        self.state = state
        self.name = state.name
        self.edges: dict[str, str] = {
            field: edge.newState for field, edge in state.transitions().items() if edge.newState
        }

    def has(self, field: str) -> bool:
        return field in self.edges

    def first(self, *fields: str) -> str | None:
        """The first of `fields` that has a transition, else the last one (ends the call)."""
        for field in fields:
            if field in self.edges:
                return field
        return fields[-1] if fields else None

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        raise NotImplementedError
