from __future__ import annotations

from voicebox.engine.context import Context
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import ConditionState
from voicebox.scenario_language.operators import evaluate


class ConditionStep(Step):
    """The first true rule wins, else `success`; a broken rule (bad operator or regex) → `error`."""

    kind = "Condition"
    __slots__ = ("rules",)

    def __init__(self, state: ConditionState):
        super().__init__(state)
        self.rules = tuple(
            (rule.variable.strip().strip("{}").strip(), rule.operator, rule.value or "")
            for rule in state.conditions
        )

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        for index, (variable, operator, raw) in enumerate(self.rules):
            left = ctx.variables.get(variable)
            if left is None:
                record.missing = [*(record.missing or []), variable]
                left = ""
            right = ctx.render(raw)
            if evaluate(operator, str(left), right):
                record.note(rule=index, variable=variable, value=str(left), operator=operator,
                            operand=right)
                field = f"conditions[{index}]"
                return field if field in self.edges else "success"
        record.note(rule=None)
        return "success"
