"""SIP driver benchmark, both directions, at rising levels, against sipp echoing our audio
back (`-rtp_echo`): outbound calls to a sipp trunk that challenges every INVITE (401), and
inbound calls from sipp callers that we answer.

    .venv/bin/python bench/sip.py [--levels 100,250,500] [--rate 50] [--hold 10]

Per level and direction: calls set up at `--rate` per second (each playing a long prompt once
up: a speech-like 220 Hz tone, so every frame is encoded and the echo is heard as loud audio),
how many were answered, the rate reached, then `--hold` seconds with every call up: how late
each RTP packet left (the clock read after every 25 `sendto`s, minus its 20 ms grid time;
p50 / p99 / max over packets), ticks skipped, echoed packets received,
the CPU this process spent per call-second of media (the recording writer process's apart),
and the longest garbage-collector pause meanwhile.
Every answered call is recorded as in production (a live tap through the writer process into a
scratch folder); `recorded` counts the recordings complete on disk after hang-up, which must
equal `answered`. First the floor: the pacer alone for `--hold` seconds, what the machine's
scheduling costs at that moment. Bars (issue 13): ≥ 500 concurrent calls with p99 < 5 ms,
≥ 50 new calls/s each way, no lost calls, all recorded, on an otherwise idle 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import resource
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import cpu_seconds

from voicebox.gc_pauses import quiet_the_collector
from voicebox.media.audio import from_float
from voicebox.media.tap import RecordingTap
from voicebox.media.tap_writer import TapWriter, shared_writer
from voicebox.telephony.base import CallResult, Prompt, RealClock
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.pacer import FramePacer
from voicebox.telephony.sip import SipCall, SipConfig, SipGateway
from voicebox.telephony.sip.rtp import REAL_TIME, batch_for, rtp_pacer

HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_t = np.arange(600 * 8000) / 8000
LONG_PCM = from_float(0.3 * np.sin(2 * np.pi * 220 * _t) * (1 + np.sin(2 * np.pi * 3 * _t)) / 2)
del _t


class LongPrompt:
    """Implements `PromptRenderer`: ten minutes of a speech-like tone, streamed frame by frame."""

    async def render(self, prompt: Prompt) -> bytes:
        return LONG_PCM


class Recordings:
    """The `MediaKit.taps` factory: every call recorded live into `folder`, as in production."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.opened = 0
        self.complete = 0
        self.writer: TapWriter | None = None

    def __call__(self, call_id: str, start: float) -> RecordingTap:
        self.opened += 1
        self.writer = shared_writer()
        return RecordingTap(self.folder / f"{call_id}.wav", start=start, writer=self.writer,
                            on_close=self._closed)

    def _closed(self, path: Path) -> None:
        self.complete += 1

    async def settle(self, expected: int, seconds: float = 30.0) -> int:
        """Recordings complete once `expected` are (or `seconds` passed)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while self.complete < expected:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        return self.complete

    def dropped(self) -> int:
        """Appends the writer process had no room for, so far (silent holes in recordings)."""
        return self.writer.dropped if self.writer is not None else 0

    def writer_cpu(self) -> float:
        return self.writer.cpu_seconds() if self.writer is not None else 0.0


async def floor(hold: float) -> dict[str, float]:
    """The pacer alone: its lateness is the machine's scheduling, no call's work."""
    pacer = FramePacer(RealClock())
    pacer.add(lambda at: None)
    pacer.lateness = []
    await asyncio.sleep(hold)
    lateness = [x * 1000 for x in pacer.lateness]
    await pacer.stop()
    return {"p50": statistics.median(lateness), "p99": percentile(lateness, 0.99),
            "max": max(lateness)}


class GcPauses:
    """The longest pause of Python's cyclic garbage collector while measuring (it stops the
    loop, and every packet due meanwhile leaves late)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._started = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.longest = max(self.longest, time.perf_counter() - self._started)


async def hold_and_measure(calls: list[SipCall], hold: float, recordings: Recordings,
                           ) -> dict[str, float]:
    """`hold` seconds with `calls` up: send lateness, echo, CPU per call-second, the longest
    garbage-collector pause."""
    the_pacer = rtp_pacer(REAL_TIME)  # the shared pacer every RTP stream is ticked by
    batch = batch_for(the_pacer)
    batch.send_lateness = []
    ticks = the_pacer.ticks
    received = sum(c.transport.packets_received for c in calls if c.transport)
    cpu, writer_cpu = cpu_seconds(), recordings.writer_cpu()
    with GcPauses() as pauses:
        await asyncio.sleep(hold)
    cpu, writer_cpu = cpu_seconds() - cpu, recordings.writer_cpu() - writer_cpu
    lateness, batch.send_lateness = batch.send_lateness, None
    skipped = round(hold / the_pacer.period) - (the_pacer.ticks - ticks)  # ticks the grid lost
    echoed = sum(c.transport.packets_received for c in calls if c.transport) - received
    return {"p50": weighted_percentile(lateness, 0.5), "p99": weighted_percentile(lateness, 0.99),
            "max": 1000 * max((late for late, _ in lateness), default=float("nan")),
            "skipped": max(skipped, 0), "echo_pps": echoed / hold,
            "cpu_ms": 1000 * cpu / max(len(calls) * hold, 1e-9),
            "writer_ms": 1000 * writer_cpu / max(len(calls) * hold, 1e-9),
            "gc_ms": 1000 * pauses.longest}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def weighted_percentile(pairs: list[tuple[float, int]], q: float) -> float:
    """The `q` quantile, in ms, of values in seconds given with their counts."""
    total = sum(count for _, count in pairs)
    if not total:
        return float("nan")
    seen = 0
    for value, count in sorted(pairs):
        seen += count
        if seen > q * total:
            return 1000 * value
    return 1000 * max(pairs)[0]


async def outbound_level(gateway: SipGateway, recordings: Recordings, calls: int, rate: float,
                         hold: float) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    placed: list[SipCall] = []
    players: list[asyncio.Task[object]] = []

    async def one(i: int) -> CallResult:
        call = gateway.outbound(to=f"+7916{i:07d}", caller="+74950000000")
        placed.append(call)
        result = await call.dial(f"+7916{i:07d}", ring_seconds=30)
        if result is CallResult.ANSWERED:
            players.append(asyncio.ensure_future(call.play(Prompt(text="long"))))
        return result

    start = loop.time()
    dials = []
    for i in range(calls):  # an absolute schedule: call i starts at start + i / rate
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        dials.append(asyncio.ensure_future(one(i)))
    results = await asyncio.gather(*dials)
    setup = loop.time() - start
    up = [c for c, r in zip(placed, results, strict=True) if r is CallResult.ANSWERED]
    before = recordings.complete
    row = {"way": "out", "calls": calls, "answered": len(up), "rate": calls / setup,
           **await hold_and_measure(up, hold, recordings)}
    for task in players:
        task.cancel()
    await asyncio.gather(*(c.hangup() for c in placed), return_exceptions=True)
    await asyncio.gather(*players, return_exceptions=True)
    row["recorded"] = await recordings.settle(before + len(up)) - before
    return row


async def inbound_level(gateway: SipGateway, recordings: Recordings, workdir: str, sipp: str,
                        calls: int, rate: float, hold: float) -> dict[str, float]:
    """sipp dials us `calls` times at `rate`; we answer each and play until the hold is over."""
    loop = asyncio.get_running_loop()
    up: list[SipCall] = []
    players: list[asyncio.Task[object]] = []
    all_up = asyncio.Event()

    async def answer(call: SipCall) -> None:  # type: ignore[override]
        if await call.answer() is CallResult.ANSWERED:
            up.append(call)
            players.append(asyncio.ensure_future(call.play(Prompt(text="long"))))
        if len(up) == calls:
            all_up.set()

    gateway.on_incoming(answer)  # type: ignore[arg-type]
    start = loop.time()
    callers = await asyncio.create_subprocess_exec(
        sipp, "-sf", str(HERE / "sipp" / "uac_echo.xml"), "-i", "127.0.0.1",
        "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(22000 + 2 * (free_port() % 1500)),
        "-rtp_echo", "-s", "74951234567", "-r", str(rate), "-m", str(calls), "-l", str(calls),
        "-nostdin", f"127.0.0.1:{gateway.endpoint.port}", cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_up.wait(), calls / rate + 30)
    setup = loop.time() - start
    before = recordings.complete
    row = {"way": "in", "calls": calls, "answered": len(up), "rate": len(up) / setup,
           **await hold_and_measure(up, hold, recordings)}
    for task in players:
        task.cancel()
    await asyncio.gather(*(c.hangup() for c in up), return_exceptions=True)
    await asyncio.gather(*players, return_exceptions=True)
    row["recorded"] = await recordings.settle(before + len(up)) - before
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(callers.wait(), 30)
    if callers.returncode is None:
        callers.kill()
        await callers.wait()
    gateway._handlers.clear()
    return row


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="100,250,500")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--hold", type=float, default=10.0)
    args = parser.parse_args()
    sipp = shutil.which("sipp")
    if sipp is None:
        sys.exit("sipp (Debian sip-tester) is needed")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    levels = [int(x) for x in args.levels.split(",")]
    port, media = free_port(), 21000 + 2 * (free_port() % 2000)
    with tempfile.TemporaryDirectory() as workdir:
        recordings = Recordings(Path(workdir) / "recordings")
        trunk = await asyncio.create_subprocess_exec(
            sipp, "-sf", str(HERE / "sipp" / "uas_echo.xml"), "-i", "127.0.0.1", "-p", str(port),
            "-mi", "127.0.0.1", "-mp", str(media), "-rtp_echo", "-nostdin", cwd=workdir,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        gateway = SipGateway(SipConfig(
            trunk_host="127.0.0.1", trunk_port=port, username="bench", password="bench",
            bind_host="127.0.0.1", bind_port=0, rtp_ports=(30000, 30000 + 4 * max(levels))),
            media=MediaKit(prompts=LongPrompt(), taps=recordings))
        await gateway.start()
        quiet_the_collector()  # as `voicebox serve` and `worker` do
        await asyncio.sleep(0.5)
        base = await floor(args.hold)
        print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}; floor (the "
              f"pacer alone): p50 {base['p50']:.2f} p99 {base['p99']:.2f} "
              f"max {base['max']:.2f} ms")
        print(f"{'way':>3} {'calls':>6} {'answered':>8} {'recorded':>8} {'calls/s':>8} "
              f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'skipped':>7} {'echo pkt/s':>10} "
              f"{'CPU ms/call-s':>13} {'writer':>6} {'dropped':>7} {'gc ms':>6}")
        knee: dict[str, int] = {}
        try:
            for n in levels:
                for row in (await outbound_level(gateway, recordings, n, args.rate, args.hold),
                            await inbound_level(gateway, recordings, workdir, sipp, n,
                                                args.rate, args.hold)):
                    if (row["p99"] < 5.0 and row["answered"] == n
                            and row["recorded"] == row["answered"]):
                        knee[row["way"]] = max(knee.get(row["way"], 0), n)
                    print(f"{row['way']:>3} {row['calls']:>6.0f} {row['answered']:>8.0f} "
                          f"{row['recorded']:>8.0f} {row['rate']:>8.1f} {row['p50']:>7.2f} "
                          f"{row['p99']:>7.2f} {row['max']:>7.2f} {row['skipped']:>7.0f} "
                          f"{row['echo_pps']:>10.0f} {row['cpu_ms']:>13.2f} "
                          f"{row['writer_ms']:>6.2f} {recordings.dropped():>7} "
                          f"{row['gc_ms']:>6.1f}", flush=True)
                    await asyncio.sleep(2)
        finally:
            await gateway.stop()
            if recordings.writer is not None:
                await recordings.writer.aclose()
            trunk.kill()
            with contextlib.suppress(ProcessLookupError):
                await trunk.wait()
        for way in ("out", "in"):
            print(f"knee ({way}): {knee.get(way) or 'none'} calls with p99 < 5 ms, all answered "
                  f"and recorded (load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    asyncio.run(main())
