"""Media leg benchmark: concurrent audio calls one process holds on the in-memory transport.

    .venv/bin/python bench/media.py [--calls 250,500,1000,1500] [--seconds 10]

Each call is a `MediaLeg` on a `MemoryLink` in real time: the robot plays a 4 s prompt, listens
3 s (collect), and again; the far end stays quiet, or presses "1" as in-band tones after every
second prompt (so the Goertzel path and the VAD run too). One pacer ticks every link every 20 ms.
Reported per size, with and without the live recording tap (stereo WAV to a scratch folder,
through the writer process as live recordings are, or `inline` on the event loop as before):
frame lateness of the pacer's ticks (p50 / p99, ms), CPU per call (% of one core, this process;
the writer process's own CPU apart), and what the tap adds; 0 calls is the floor, the pacer
alone, i.e. what the machine's scheduling costs at that moment. Bars (DESIGN.md §5): ≥ 1,000
calls with p99 lateness < 5 ms; tap < 5 % CPU per call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from voicebox.media.audio import from_float
from voicebox.media.dtmf import dtmf_tones
from voicebox.media.tap import RecordingTap
from voicebox.media.tap_writer import TapWriter
from voicebox.telephony.base import Prompt, RealClock
from voicebox.telephony.media_leg import MediaLeg
from voicebox.telephony.memory import MemoryLink
from voicebox.telephony.pacer import FramePacer
from voicebox.telephony.transport import FRAME_BYTES

PROMPT = Prompt(text="bench")
_t = np.arange(4 * 8000) / 8000
PROMPT_PCM = from_float(0.3 * np.sin(2 * np.pi * 220 * _t) * (1 + np.sin(2 * np.pi * 3 * _t)) / 2)
TONES = dtmf_tones("1")


class Fixed:
    async def render(self, prompt: Prompt) -> bytes:
        return PROMPT_PCM


class Presser:
    """The far end: quiet, except a "1" in tones when told to press."""

    def __init__(self) -> None:
        self.out: bytes | None = None
        self.pos = 0

    def press(self) -> None:
        self.out, self.pos = TONES, 0

    def __call__(self, at: float) -> bytes | None:
        if self.out is None:
            return None
        frame = self.out[self.pos:self.pos + FRAME_BYTES]
        self.pos += FRAME_BYTES
        if self.pos >= len(self.out):
            self.out = None
        return frame.ljust(FRAME_BYTES, b"\0")


async def one_call(leg: MediaLeg, presser: Presser, stop: asyncio.Event, stats: dict) -> None:
    turn = 0
    while not stop.is_set():
        await leg.play(PROMPT)
        turn += 1
        if turn % 2 == 0:  # every other turn the far end answers
            presser.press()
        heard = await leg.collect(wait_seconds=3, max_digits=1)
        stats["digits"] += heard.dtmf == "1"
        stats["turns"] += 1


async def measure(calls: int, seconds: float, folder: Path | None, tap_mode: str) -> dict:
    clock = RealClock()
    pacer = FramePacer(clock)
    stop = asyncio.Event()
    stats = {"digits": 0, "turns": 0}
    legs, tasks = [], []
    writer = TapWriter() if tap_mode == "proc" else None
    complete = [0]

    def closed(path: Path) -> None:
        complete[0] += 1

    if calls == 0:  # the floor: the pacer alone, what the machine's scheduling costs
        pacer.add(lambda at: None)
    for index in range(calls):
        link = MemoryLink(clock, pacer=pacer)
        tap = None
        if folder is not None:
            tap = RecordingTap(folder / f"{index}.wav", start=clock.now(), writer=writer,
                               on_close=closed)
        leg = MediaLeg(link.a, prompts=Fixed(), tap=tap)
        presser = Presser()
        link.b.set_source(presser)
        link.b.on_frame(lambda frame, at: None)
        legs.append(leg)
        tasks.append(asyncio.ensure_future(one_call(leg, presser, stop, stats)))
        if index % 50 == 49:
            await asyncio.sleep(0.02)  # calls start over time, as a dialer starts them
    await asyncio.sleep(4.0)  # settle: calls are at different points of their turns
    pacer.lateness = []
    cpu, wall = time.process_time(), time.perf_counter()
    writer_cpu = writer.cpu_seconds() if writer is not None else 0.0
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    writer_cpu = writer.cpu_seconds() - writer_cpu if writer is not None else 0.0
    dropped = writer.dropped if writer is not None else 0
    late = sorted(pacer.lateness)
    stop.set()
    for leg in legs:
        leg.end()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await pacer.stop()
    if writer is not None:
        await writer.aclose()
    ms = [v * 1000 for v in late] or [0.0]
    return {"calls": calls, "p50": statistics.median(ms), "p99": ms[int(len(ms) * 0.99) - 1],
            "max": ms[-1], "ticks": len(late), "cpu_per_call": 100 * cpu / wall / max(calls, 1),
            "cpu_total": 100 * cpu / wall, "writer_cpu": 100 * writer_cpu / wall,
            "dropped": dropped, "digits": stats["digits"], "turns": stats["turns"],
            "recorded": complete[0] if folder is not None else None}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", default="0,250,500,1000,1500",
                        help="0 measures the floor: the pacer with no calls")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--taps", default="off,proc",
                        help="off, proc (the writer process, as live recordings) and/or inline "
                             "(written on the event loop)")
    args = parser.parse_args()
    modes = args.taps.split(",")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print(f"{'calls':>6} {'tap':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'CPU %':>6} {'CPU %/call':>10} {'writer %':>8} {'digits/turns':>13} "
          f"{'recorded':>8} {'dropped':>7}")
    knee: dict[str, int] = {}
    for calls in [int(n) for n in args.calls.split(",")]:
        for mode in modes if calls else ["off"]:
            folder = Path(tempfile.mkdtemp(prefix="vb-bench-media-")) if mode != "off" else None
            try:
                row = await measure(calls, args.seconds, folder, mode)
            finally:
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
            if row["p99"] < 5.0 and calls:
                knee[mode] = max(knee.get(mode, 0), calls)
            recorded = "-" if row["recorded"] is None else f"{row['recorded']}"
            print(f"{row['calls']:>6} {mode:>6} {row['p50']:>7.2f} "
                  f"{row['p99']:>7.2f} {row['max']:>7.2f} {row['cpu_total']:>6.1f} "
                  f"{row['cpu_per_call']:>10.3f} {row['writer_cpu']:>8.1f} "
                  f"{row['digits']:>6}/{row['turns']:<6} {recorded:>8} {row['dropped']:>7}",
                  flush=True)
    for mode in modes:
        print(f"knee ({mode}): {knee.get(mode, 0) or 'none'} calls with p99 < 5 ms "
              f"(load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    asyncio.run(main())
