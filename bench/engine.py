"""Engine benchmark: scenario steps per second on one core, memory per live call.

    .venv/bin/python bench/engine.py [--calls 10000] [--throughput-calls 5000]

Calls are scripted and run in virtual time, so the figures are the engine's own cost (plus the
scripted call's, which is small): no sockets, no audio. Bars (DESIGN.md §5): ≥ 20,000 steps/s,
< 50 KB per live call.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import tracemalloc

from _common import rss_kb

from voicebox.engine import EngineConfig, compile_scenario, run_scenario
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import CallState, VirtualClock
from voicebox.telephony.scripted import ScriptedCall, dtmf, say

SCENARIO = ScenarioBody.model_validate({
    "title": "bench",
    "settings": {"voice": "oksana"},
    "states": [
        {"type": "Initial", "name": "start", "success": "dial"},
        {"type": "OutgoingCall", "name": "dial", "success": "hello", "error": "bye"},
        {"type": "VoiceMessage", "name": "hello", "detectAI": True, "onDetectAI": "bye",
         "announcement": {"text": "Здравствуйте, {{name|друг}}! Звонит {{company}}."},
         "success": "ask"},
        {"type": "IVR", "name": "ask", "announcement": {"text": "Удобно говорить? Нажмите 1."},
         "awaitingTime": 5, "repeatCount": 1,
         "inputAnalysis": [
             {"dtmf": "1", "keywords": [{"name": "Согласие"}], "success": "code"},
             {"dtmf": "2", "words": "нет, не сейчас", "success": "bye"},
             {"keywords": [{"name": "Перезвонить"}], "success": "bye"},
         ],
         "onNoInput": "bye", "onInvalidInput": "ask", "success": "bye"},
        {"type": "Input", "name": "code", "announcement": {"text": "Введите код"},
         "variable": "code", "inputMaxLength": 4, "success": "check"},
        {"type": "Condition", "name": "check", "conditions": [
            {"variable": "code", "operator": "eq", "value": "{{expected}}", "success": "ok"},
            {"variable": "code", "operator": "startsWith", "value": "9", "success": "ok"},
        ], "success": "wait"},
        {"type": "Pause", "name": "wait", "timeout": 1, "success": "ok"},
        {"type": "VoiceMessage", "name": "ok", "announcement": {"text": "Спасибо, {{name}}!"},
         "success": "bye"},
        {"type": "ReleaseCall", "name": "bye"},
    ],
})
PROGRAM = compile_scenario(SCENARIO)
CONFIG = EngineConfig()
VARIABLES = {"phone": "+79990000000", "name": "Анна", "company": "ООО Ромашка", "expected": "1234"}


def script(i: int):
    """Answers varying by call: agreement by voice or key, a wrong answer first, a code."""
    first = say("да, конечно") if i % 3 == 0 else dtmf("1")
    answers = [first, dtmf("1234#" if i % 2 else "5678#")]
    if i % 5 == 0:
        answers.insert(0, say("что-то непонятное"))
    return answers


def new_call(clock: VirtualClock, i: int) -> ScriptedCall:
    return ScriptedCall(clock, script(i), call_id=f"c{i}", keep_log=False,
                        state=CallState.NEW)


async def drain(clock: VirtualClock, tasks: list[asyncio.Task]) -> None:
    """Move virtual time by hand until every call has finished."""
    pending = set(tasks)
    while pending:
        for _ in range(3):
            await asyncio.sleep(0)
        pending = {t for t in pending if not t.done()}
        deadline = clock.next_deadline()
        if deadline is not None:
            clock.advance(deadline - clock.now())


class CountingClock(VirtualClock):
    """Counts sleeps, so the substrate (scripted calls, virtual time) can be measured alone."""

    sleeps = 0

    def sleep(self, seconds: float):
        self.sleeps += 1
        return super().sleep(seconds)


async def substrate(calls: int, sleeps: int) -> float:
    """CPU seconds for the same number of tasks and virtual sleeps with no engine at all."""
    clock = VirtualClock(auto_advance=False)
    each = max(round(sleeps / calls), 1)

    async def one(i: int) -> None:
        for _ in range(each):
            await clock.sleep(1.0 + i % 7)

    began = time.process_time()
    await drain(clock, [asyncio.create_task(one(i)) for i in range(calls)])
    return time.process_time() - began


async def throughput(calls: int) -> tuple[int, float, int]:
    clock = CountingClock(auto_advance=False)
    began = time.process_time()
    tasks = [asyncio.create_task(run_scenario(PROGRAM, new_call(clock, i), variables=VARIABLES,
                                              config=CONFIG, clock=clock))
             for i in range(calls)]
    await drain(clock, tasks)
    spent = time.process_time() - began
    outcomes = [t.result() for t in tasks]
    assert all(o.reason == "released" for o in outcomes), {o.reason for o in outcomes}
    return sum(o.steps for o in outcomes), spent, clock.sleeps


async def memory(calls: int) -> tuple[float, float, int]:
    """Bytes per live call (tracemalloc) and RSS KB per call, all calls held mid-IVR."""
    clock = VirtualClock(auto_advance=False)
    gc.collect()
    rss_before = rss_kb()
    tracemalloc.start()
    base = tracemalloc.take_snapshot()
    tasks = [asyncio.create_task(run_scenario(PROGRAM, new_call(clock, i), variables=VARIABLES,
                                              config=CONFIG, clock=clock))
             for i in range(calls)]
    for _ in range(40):  # through dialling, detection and the greeting, into the IVR
        for _ in range(3):
            await asyncio.sleep(0)
        deadline = clock.next_deadline()
        if deadline is None or deadline > 4.5:
            break
        clock.advance(deadline - clock.now())
    live = sum(not t.done() for t in tasks)
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    traced = sum(stat.size_diff for stat in snapshot.compare_to(base, "filename"))
    tracemalloc.stop()
    rss_per_call = (rss_kb() - rss_before) / calls
    await drain(clock, tasks)
    return traced / calls, rss_per_call, live


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--throughput-calls", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds; best counts")
    args = parser.parse_args()
    results = [await throughput(args.throughput_calls) for _ in range(args.rounds)]
    rates = sorted(steps / spent for steps, spent, _ in results)
    steps, spent, sleeps = results[0]
    base = min([await substrate(args.throughput_calls, sleeps) for _ in range(args.rounds)])
    engine_only = steps / max(min(spent for _, spent, _ in results) - base, 1e-9)
    per_call, rss_per_call, live = await memory(args.calls)
    rate = rates[-1]
    rows = [
        (f"steps/s on one core (best of {args.rounds})", f"{rate:,.0f}", "≥ 20,000",
         rate >= 20_000),
        ("steps/s, median round", f"{rates[len(rates) // 2]:,.0f}", "", None),
        (f"steps per round ({args.throughput_calls:,} calls)", f"{steps:,} in {spent:.2f} s CPU",
         "", None),
        ("  of which tasks + virtual sleeps alone", f"{base:.2f} s ({sleeps:,} sleeps)", "",
         None),
        ("steps/s, engine alone", f"{engine_only:,.0f}", "", None),
        (f"memory per live call ({live:,} live)", f"{per_call / 1024:.1f} KB (tracemalloc)",
         "< 50 KB", per_call < 50 * 1024),
        ("RSS growth per live call", f"{rss_per_call:.1f} KB", "", None),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>28}  {'bar':>9}  ok")
    for name, value, bar, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"{name:<{width}}  {value:>28}  {bar:>9}  {mark}")


if __name__ == "__main__":
    asyncio.run(main())
