"""The scenario engine: runs one scenario on one `CallLeg` in an injected clock (DESIGN.md §1, §3).

Pure by rule: no database, no web framework, no concrete telephony driver (import-linter).
"""

from voicebox.engine.config import EngineConfig, parse_networks
from voicebox.engine.prompts import fixed_prompts
from voicebox.engine.runner import Program, compile_scenario, run_scenario
from voicebox.engine.trace import Outcome, StepRecord

__all__ = [
    "EngineConfig",
    "Outcome",
    "Program",
    "StepRecord",
    "compile_scenario",
    "fixed_prompts",
    "parse_networks",
    "run_scenario",
]
