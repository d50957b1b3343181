"""SIP driver benchmark, both directions, at rising levels, against sipp echoing our audio
back (`-rtp_echo`): outbound calls to a sipp trunk that challenges every INVITE (401), and
inbound calls from sipp callers that we answer.

    .venv/bin/python bench/sip.py [--levels 100,250,500] [--rate 50] [--hold 10]

Per level and direction: calls set up at `--rate` per second (each playing a long prompt once
up), how many were answered, the rate reached, then `--hold` seconds with every call up: the
pacer's lateness off the 20 ms grid (p50 / p99 / max), ticks skipped, echoed packets received,
and the CPU this process spent per call-second of media. Bars (issue 13): ≥ 500 concurrent
calls with p99 < 5 ms, ≥ 50 new calls/s each way, on an otherwise idle 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import shutil
import socket
import statistics
import sys
import tempfile
from pathlib import Path

from _common import cpu_seconds

from voicebox.telephony.base import CallResult, Prompt
from voicebox.telephony.sip import SipCall, SipConfig, SipGateway
from voicebox.telephony.sip.pacer import pacer

HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def long_prompt(prompt: Prompt) -> bytes:
    return bytes(2 * 8000 * 600)  # ten minutes of silence, streamed frame by frame


async def hold_and_measure(calls: list[SipCall], hold: float) -> dict[str, float]:
    """`hold` seconds with `calls` up: pacer lateness, echo, CPU per call-second."""
    the_pacer = pacer()
    the_pacer.lateness.clear()
    skipped = the_pacer.skipped
    received = sum(c.transport.packets_received for c in calls if c.transport)
    cpu = cpu_seconds()
    await asyncio.sleep(hold)
    cpu = cpu_seconds() - cpu
    lateness = [x * 1000 for x in the_pacer.lateness]
    echoed = sum(c.transport.packets_received for c in calls if c.transport) - received
    return {"p50": statistics.median(lateness) if lateness else float("nan"),
            "p99": percentile(lateness, 0.99), "max": max(lateness, default=float("nan")),
            "skipped": the_pacer.skipped - skipped, "echo_pps": echoed / hold,
            "cpu_ms": 1000 * cpu / max(len(calls) * hold, 1e-9)}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def outbound_level(gateway: SipGateway, calls: int, rate: float, hold: float,
                         ) -> dict[str, float]:
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
    row = {"way": "out", "calls": calls, "answered": len(up), "rate": calls / setup,
           **await hold_and_measure(up, hold)}
    for task in players:
        task.cancel()
    await asyncio.gather(*(c.hangup() for c in placed), return_exceptions=True)
    await asyncio.gather(*players, return_exceptions=True)
    return row


async def inbound_level(gateway: SipGateway, workdir: str, sipp: str, calls: int, rate: float,
                        hold: float) -> dict[str, float]:
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
    row = {"way": "in", "calls": calls, "answered": len(up), "rate": len(up) / setup,
           **await hold_and_measure(up, hold)}
    for task in players:
        task.cancel()
    await asyncio.gather(*(c.hangup() for c in up), return_exceptions=True)
    await asyncio.gather(*players, return_exceptions=True)
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
        trunk = await asyncio.create_subprocess_exec(
            sipp, "-sf", str(HERE / "sipp" / "uas_echo.xml"), "-i", "127.0.0.1", "-p", str(port),
            "-mi", "127.0.0.1", "-mp", str(media), "-rtp_echo", "-nostdin", cwd=workdir,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        gateway = SipGateway(SipConfig(
            trunk_host="127.0.0.1", trunk_port=port, username="bench", password="bench",
            bind_host="127.0.0.1", bind_port=0, rtp_ports=(30000, 30000 + 4 * max(levels))),
            render=long_prompt)
        await gateway.start()
        await asyncio.sleep(0.5)
        print(f"{'way':>3} {'calls':>6} {'answered':>8} {'calls/s':>8} {'p50 ms':>7} "
              f"{'p99 ms':>7} {'max ms':>7} {'skipped':>7} {'echo pkt/s':>10} "
              f"{'CPU ms/call-s':>13}")
        try:
            for n in levels:
                for row in (await outbound_level(gateway, n, args.rate, args.hold),
                            await inbound_level(gateway, workdir, sipp, n, args.rate,
                                                args.hold)):
                    print(f"{row['way']:>3} {row['calls']:>6.0f} {row['answered']:>8.0f} "
                          f"{row['rate']:>8.1f} {row['p50']:>7.2f} {row['p99']:>7.2f} "
                          f"{row['max']:>7.2f} {row['skipped']:>7.0f} {row['echo_pps']:>10.0f} "
                          f"{row['cpu_ms']:>13.2f}", flush=True)
                    await asyncio.sleep(2)
        finally:
            await gateway.stop()
            trunk.kill()
            with contextlib.suppress(ProcessLookupError):
                await trunk.wait()



if __name__ == "__main__":
    asyncio.run(main())
