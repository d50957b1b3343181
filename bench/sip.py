"""SIP driver benchmark: outbound calls through the `sip` driver to sipp playing a trunk that
challenges every INVITE (401) and echoes the audio back (`-rtp_echo`), at rising levels.

    .venv/bin/python bench/sip.py [--levels 100,250,500] [--rate 50] [--hold 10]

Per level: calls placed at `--rate` per second (each authenticated, then playing a long
prompt), how many answered, the rate reached, then `--hold` seconds with every call up: the
pacer's lateness off the 20 ms grid (p50 / p99 / max), echoed packets received, and the CPU this
process spent per call-second of media. Bars (issue 13): ≥ 500 concurrent calls with p99 < 5 ms,
≥ 50 new calls/s. Inbound load (sipp calling us) is not measured yet.
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


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def level(gateway: SipGateway, calls: int, rate: float, hold: float) -> dict[str, float]:
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
    answered = sum(r is CallResult.ANSWERED for r in results)
    the_pacer = pacer()
    the_pacer.lateness.clear()
    skipped = the_pacer.skipped
    received = sum(c.transport.packets_received for c in placed if c.transport)
    cpu = cpu_seconds()
    await asyncio.sleep(hold)
    cpu = cpu_seconds() - cpu
    lateness = [x * 1000 for x in the_pacer.lateness]
    echoed = sum(c.transport.packets_received for c in placed if c.transport) - received
    for task in players:
        task.cancel()
    await asyncio.gather(*(c.hangup() for c in placed), return_exceptions=True)
    await asyncio.gather(*players, return_exceptions=True)
    return {"calls": calls, "answered": answered, "rate": calls / setup if setup else 0,
            "p50": statistics.median(lateness) if lateness else float("nan"),
            "p99": percentile(lateness, 0.99), "max": max(lateness, default=float("nan")),
            "skipped": the_pacer.skipped - skipped,
            "echo_pps": echoed / hold, "cpu_ms": 1000 * cpu / max(answered * hold, 1e-9)}


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
        print(f"{'calls':>6} {'answered':>8} {'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'max ms':>7} {'skipped':>7} {'echo pkt/s':>10} {'CPU ms/call-s':>13}")
        try:
            for n in levels:
                row = await level(gateway, n, args.rate, args.hold)
                print(f"{row['calls']:>6.0f} {row['answered']:>8.0f} {row['rate']:>8.1f} "
                      f"{row['p50']:>7.2f} {row['p99']:>7.2f} {row['max']:>7.2f} "
                      f"{row['skipped']:>7.0f} {row['echo_pps']:>10.0f} {row['cpu_ms']:>13.2f}",
                      flush=True)
                await asyncio.sleep(2)
        finally:
            await gateway.stop()
            trunk.kill()
            with contextlib.suppress(ProcessLookupError):
                await trunk.wait()



if __name__ == "__main__":
    asyncio.run(main())
