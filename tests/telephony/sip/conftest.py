"""Real SIP peers on loopback: sipp processes running the XML scenarios in `scenarios/`, and a
`SipGateway` bound to a free port with a short Timer B."""

from __future__ import annotations

import asyncio
import random
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from voicebox.telephony.sip import SipConfig, SipGateway

SCENARIOS = Path(__file__).parent / "scenarios"
SIPP = shutil.which("sipp")
needs_sipp = pytest.mark.skipif(SIPP is None, reason="sipp (Debian sip-tester) is not installed")
SIPP_SECONDS = 60  # sipp's own global timeout: a stuck scenario fails, it never hangs the run


def free_udp_port(*, even: bool = False) -> int:
    """A UDP port free now (and, with `even`, its successor too, for sipp's media ports)."""
    rng = random.Random()
    while True:
        if even:
            port = rng.randrange(20000, 29998, 2)
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a, \
                        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b:
                    a.bind(("127.0.0.1", port))
                    b.bind(("127.0.0.1", port + 2))
            except OSError:
                continue
            return port
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]


class Sipp:
    """One sipp process running `scenario`; `wait()` gives its exit code (0: every call passed)."""

    def __init__(self, scenario: str, workdir: Path, *, calls: int = 1,
                 keys: dict[str, str] | None = None, remote: str | None = None,
                 extra: list[str] | None = None):
        self.port = free_udp_port()
        self.media_port = free_udp_port(even=True)
        self.workdir = workdir
        self.args = [SIPP or "sipp", "-sf", str(workdir / scenario if (workdir / scenario).exists()
                                                else SCENARIOS / scenario), "-i", "127.0.0.1",
                     "-p", str(self.port), "-mi", "127.0.0.1", "-mp", str(self.media_port),
                     "-m", str(calls), "-nostdin", "-timeout", f"{SIPP_SECONDS}s",
                     "-timeout_error", "-trace_err", "-trace_msg"]
        for key, value in (keys or {}).items():
            self.args += ["-key", key, value]
        self.args += extra or []
        if remote:
            self.args += [remote]
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Sipp:
        self.process = await asyncio.create_subprocess_exec(
            *self.args, cwd=self.workdir, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        await asyncio.sleep(0.3)  # let it bind; our INVITE retransmissions cover a slow start
        return self

    async def wait(self, seconds: float = SIPP_SECONDS + 10) -> int:
        assert self.process is not None
        await asyncio.wait_for(self.process.wait(), seconds)
        return self.process.returncode or 0

    def log(self) -> str:
        """sipp's error and message traces, for assertion messages."""
        text = []
        for path in sorted(self.workdir.glob("*_errors.log")) + sorted(
                self.workdir.glob("*_messages.log")):
            text.append(f"--- {path.name}\n{path.read_text(errors='replace')[-6000:]}")
        return "\n".join(text)

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()


def render_scenario(name: str, workdir: Path, **values: str) -> str:
    """Copy template `name` into `workdir` with each @KEY@ replaced (sipp checks response codes
    when it loads a scenario, so they cannot be -key values)."""
    text = (SCENARIOS / name).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key.upper()}@", value)
    (workdir / name).write_text(text)
    return name


@pytest.fixture
async def sipp_runner(tmp_path: Path) -> AsyncIterator[list[Sipp]]:
    """Start sipps with `Sipp(...).start()` and append them here: they are killed at the end."""
    started: list[Sipp] = []
    yield started
    for sipp in started:
        sipp.kill()
        if sipp.process is not None:
            await sipp.process.wait()


def gateway_for(trunk_port: int, *, username: str | None = "alice",
                password: str | None = "secret", timer_b: float = 32.0,
                strip_plus: bool = False, trunk_host: str = "127.0.0.1") -> SipGateway:
    rtp = free_udp_port(even=True)
    config = SipConfig(trunk_host=trunk_host, trunk_port=trunk_port, username=username,
                       password=password, bind_host="127.0.0.1", bind_port=0,
                       rtp_ports=(rtp, rtp + 40), strip_plus=strip_plus)
    return SipGateway(config, timer_b=timer_b)
