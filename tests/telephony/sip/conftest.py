"""Real SIP peers on loopback: sipp processes running the XML scenarios in `scenarios/`, and a
`SipGateway` bound to a free port with a short Timer B."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ports import free_port, free_ports
from tests.telephony.sip.media import Renderer, set_render, sip_media_kit
from tests.telephony.sip.rtp_capture import write_pcap
from voicebox.telephony.sip import SipConfig, SipGateway
from voicebox.telephony.sip.inbound_from import parse_inbound_from

SCENARIOS = Path(__file__).parent / "scenarios"
SIPP = shutil.which("sipp")
needs_sipp = pytest.mark.skipif(SIPP is None, reason="sipp (Debian sip-tester) is not installed")
SIPP_SECONDS = 60  # sipp's own global timeout: a stuck scenario fails, it never hangs the run


class Sipp:
    """One sipp process running `scenario`; `wait()` gives its exit code (0: every call passed)."""

    def __init__(self, scenario: str, workdir: Path, *, calls: int = 1,
                 keys: dict[str, str] | None = None, remote: str | None = None,
                 extra: list[str] | None = None):
        self.port = free_port()
        self.media_port = free_ports(4, even=True)  # audio RTP/RTCP, video RTP/RTCP
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
                strip_plus: bool = False, trunk_host: str = "127.0.0.1",
                inbound_from: str = "trunk") -> SipGateway:
    rtp = free_ports(41, even=True)
    config = SipConfig(trunk_host=trunk_host, trunk_port=trunk_port, username=username,
                       password=password, bind_host="127.0.0.1", bind_port=0,
                       rtp_ports=(rtp, rtp + 40), strip_plus=strip_plus,
                       inbound_from=parse_inbound_from(inbound_from))
    return SipGateway(config, media=sip_media_kit(), timer_b=timer_b)


StartSipp = Callable[..., Awaitable[Sipp]]
StartGateway = Callable[..., Awaitable[SipGateway]]
TrunkCall = Callable[..., Awaitable[tuple[Sipp, Any]]]
CALLER = "+74951112233"  # the calling number the SIP tests' calls carry
CALLEE = "+79161234567"  # the number they dial
TRUNK = {"caller": CALLER[1:]}  # `uas_trunk.xml` checks the From user is this number


@pytest.fixture
def sipp(tmp_path: Path, sipp_runner: list[Sipp]) -> StartSipp:
    """`await sipp(scenario, talk=packets, fill={…}, calling=gateway, dialled=…, calls=…)`:
    sipp running `scenario` in the test's folder (killed at the end). `talk` is what it plays
    (`talk.pcap`: RTP from `rtp_capture`), `fill` renders a template's @KEY@s, `calling` makes
    it a UAC calling that gateway's SIP port and `dialled` the number it dials (sipp's `-s`)."""

    async def start(scenario: str, *, talk: list[tuple[float, bytes]] | None = None,
                    fill: dict[str, str] | None = None, calling: SipGateway | None = None,
                    dialled: str = "74951234567", extra: list[str] | None = None,
                    **options: Any) -> Sipp:
        if talk is not None:
            write_pcap(tmp_path / "talk.pcap", talk)
        if fill is not None:
            scenario = render_scenario(scenario, tmp_path, **fill)
        args = list(extra or [])
        if calling is not None:
            options["remote"] = f"127.0.0.1:{calling.endpoint.port}"
            args += ["-s", dialled]
        started = await Sipp(scenario, tmp_path, extra=args, **options).start()
        sipp_runner.append(started)
        return started

    return start


@pytest.fixture
async def sip_gateway() -> AsyncIterator[StartGateway]:
    """`await sip_gateway(trunk_port, on_incoming=…, render=…, **gateway_for options)`: a
    started `SipGateway` on loopback (stopped at the end); the trunk port does not matter to
    inbound calls, `render` makes its prompts (a beep by default)."""
    started: list[SipGateway] = []

    async def start(trunk_port: int = 9, *, on_incoming: Callable[[Any], Any] | None = None,
                    render: Renderer | None = None, **options: Any) -> SipGateway:
        gateway = gateway_for(trunk_port, **options)
        if on_incoming is not None:
            gateway.on_incoming(on_incoming)
        if render is not None:
            set_render(gateway, render)
        await gateway.start()
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        await gateway.stop()


@pytest.fixture
def trunk_call(sipp: StartSipp, sip_gateway: StartGateway) -> TrunkCall:
    """`trunk, call = await trunk_call(scenario, gateway={…}, **sipp options)`: sipp playing a
    trunk, a gateway on it (`gateway`: `sip_gateway` options) and an outbound call from
    `CALLER` to `CALLEE` through it, not dialled yet (`call.gateway` is the gateway)."""

    async def start(scenario: str, *, gateway: dict[str, Any] | None = None,
                    **options: Any) -> tuple[Sipp, Any]:
        trunk = await sipp(scenario, **options)
        on_trunk = await sip_gateway(trunk.port, **(gateway or {}))
        return trunk, on_trunk.outbound(to=CALLEE, caller=CALLER)

    return start


def _reply(status: str) -> str:
    """sipp's XML for answering the request it just received with `status` (no body)."""
    return f"""  <send>
    <![CDATA[
SIP/2.0 {status}
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>
"""


# What `uas_contract.xml` does once its answer is ACKed (its @AFTER_ACK@): wait for a REFER
# (accepted, reported done) or our BYE; or hang up itself after @MS@ milliseconds.
AFTER_ACK_WAITS = """
  <recv request="REFER" optional="true" next="refer"/>
  <recv request="BYE" next="bye"/>
  <label id="refer"/>
""" + _reply("202 Accepted") + """  <send retrans="500">
    <![CDATA[
NOTIFY [$peer_contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From:[$me]
To:[$peer]
[last_Call-ID:]
CSeq: 1 NOTIFY
Contact: <sip:callee@[local_ip]:[local_port]>
Max-Forwards: 70
Event: refer
Subscription-State: terminated;reason=noresource
Content-Type: message/sipfrag;version=2.0
Content-Length: [len]

SIP/2.0 200 OK
    ]]>
  </send>
  <recv response="200"/>
  <recv request="BYE"/>
  <label id="bye"/>
""" + _reply("200 OK")

AFTER_ACK_HANGS_UP = """
  <pause milliseconds="@MS@"/>
  <send retrans="500">
    <![CDATA[
BYE [$peer_contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From:[$me]
To:[$peer]
[last_Call-ID:]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
"""
