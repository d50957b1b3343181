"""A real softphone on loopback: baresip (Debian `baresip`) sends a 700 Hz sine (or a WAV file:
`Baresip(workdir, speaks=path)`, its `aufile` module) and writes what it hears to a WAV (its
`sndfile` module); we play 1 kHz. It answers our call (and reports our RFC
4733 digits in its verbose log), and it calls us."""

from __future__ import annotations

import asyncio
import re
import shutil
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from tests.ports import free_ports
from tests.telephony.sip.conftest import gateway_for
from tests.telephony.sip.media import set_render
from tests.telephony.sip.test_outbound import tone_share
from voicebox.media.audio import from_float
from voicebox.telephony.base import CallLeg, CallResult, Prompt

BARESIP = shutil.which("baresip")
pytestmark = pytest.mark.skipif(BARESIP is None, reason="baresip is not installed")

CONFIG = """\
poll_method		epoll
sip_listen		127.0.0.1:{sip_port}
audio_player		aubridge,nil
audio_source		{source}
audio_alert		aubridge,nil
ausrc_srate		{srate}
ausrc_channels		{channels}
rtp_ports		{rtp_first}-{rtp_last}
snd_path		{workdir}
module_path		/usr/lib/baresip/modules
module			g711.so
module			{source_module}
module			aubridge.so
module			sndfile.so
module_app		account.so
module_app		menu.so
"""


async def one_khz(prompt: Prompt) -> bytes:
    t = np.arange(12000) / 8000  # 1.5 s
    return from_float(0.4 * np.sin(2 * np.pi * 1000 * t))


class Baresip:
    def __init__(self, workdir: Path, *, speaks: Path | None = None):
        """`speaks`: an 8 kHz mono WAV it sends in place of the sine, from its answer on (at
        the file's end baresip hangs up: pad it to outlast the call)."""
        self.workdir = workdir
        # baresip listens on UDP and TCP at its port, and for TLS on the next one
        self.port = free_ports(2)
        rtp = free_ports(21, even=True)
        source = {"source": "ausine,700", "srate": 48000, "channels": 2,
                  "source_module": "ausine.so"}
        if speaks is not None:
            source = {"source": f"aufile,{speaks}", "srate": 8000, "channels": 1,
                      "source_module": "aufile.so"}
        (workdir / "config").write_text(CONFIG.format(sip_port=self.port, rtp_first=rtp,
                                                      rtp_last=rtp + 20, workdir=workdir,
                                                      **source))
        (workdir / "accounts").write_text(
            "<sip:79161234567@127.0.0.1>;answermode=auto;regint=0;audio_codecs=PCMA,PCMU\n")
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, *commands: str) -> None:
        args = [BARESIP or "baresip", "-v", "-f", str(self.workdir), "-t", "60"]
        for command in commands:
            args += ["-e", command]
        with (self.workdir / "baresip.log").open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *args, cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL, stdout=log,
                stderr=asyncio.subprocess.STDOUT)

    async def stop(self) -> None:
        if self.process is not None:
            if self.process.returncode is None:
                self.process.terminate()
            await self.process.wait()

    def log(self) -> str:
        return (self.workdir / "baresip.log").read_text(errors="replace")

    def heard(self) -> bytes:
        dumps = sorted(self.workdir.glob("dump-*-dec.wav"))
        assert dumps, "baresip wrote no dump of what it received\n" + self.log()
        with wave.open(str(dumps[0])) as heard:
            assert heard.getframerate() == 8000
            return heard.readframes(heard.getnframes())


@pytest.fixture
async def baresip(tmp_path: Path) -> AsyncIterator[Baresip]:
    phone = Baresip(tmp_path)
    yield phone
    await phone.stop()


async def test_baresip_answers_a_tone_each_way_and_hears_our_digits(baresip: Baresip) -> None:
    await baresip.start()
    gateway = gateway_for(baresip.port, strip_plus=True)
    set_render(gateway, one_khz)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        result = await call.dial("+79161234567", ring_seconds=30)
        assert result is CallResult.ANSWERED, baresip.log()
        await call.play(Prompt(text="a tone"))
        call.send_dtmf("159#")
        await asyncio.sleep(2.0)  # four digits of 100 ms, 60 ms apart, paced in real time
        assert call.media is not None
        assert tone_share(bytes(call.media.tap.heard), 700) > 0.5  # baresip's sine reached us
        await call.hangup()
        await asyncio.sleep(1.0)  # baresip takes our BYE and closes its dump
    finally:
        await gateway.stop()
        await baresip.stop()
    assert tone_share(baresip.heard(), 1000) > 0.5  # and ours reached baresip
    ended = re.findall(r"received event: '(.)' \(end=1\)", baresip.log())
    assert "".join(ended) == "159#"


async def test_baresip_calls_us_a_tone_each_way(baresip: Baresip) -> None:
    gateway = gateway_for(9)
    set_render(gateway, one_khz)
    done: asyncio.Future[tuple[CallLeg, float]] = asyncio.get_running_loop().create_future()

    async def handler(call: CallLeg) -> None:
        assert await call.answer() is CallResult.ANSWERED
        await call.play(Prompt(text="a tone"))
        media = call.media  # type: ignore[attr-defined]
        share = tone_share(bytes(media.tap.heard), 700)
        await call.hangup()
        done.set_result((call, share))

    gateway.on_incoming(handler)
    await gateway.start()
    try:
        await baresip.start(f"/dial sip:84951234567@127.0.0.1:{gateway.endpoint.port}")
        call, share = await asyncio.wait_for(done, 60)
        assert share > 0.5  # baresip's sine reached us
        assert (call.to, call.caller) == ("+74951234567", "+79161234567")
        await asyncio.sleep(1.0)  # baresip takes our BYE and closes its dump
    finally:
        await gateway.stop()
        await baresip.stop()
    assert tone_share(baresip.heard(), 1000) > 0.5  # and ours reached baresip
