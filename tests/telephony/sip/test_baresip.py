"""A real softphone on loopback: baresip (Debian `baresip`) answers our call, sends a 700 Hz
sine and writes what it hears to a WAV (its `sndfile` module); we play 1 kHz and send RFC 4733
digits, which its verbose log reports."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.telephony.sip.conftest import free_udp_port, gateway_for
from tests.telephony.sip.test_outbound import tone_share
from voicebox.media.audio import from_float
from voicebox.telephony.base import CallResult, Prompt

BARESIP = shutil.which("baresip")
pytestmark = pytest.mark.skipif(BARESIP is None, reason="baresip is not installed")

CONFIG = """\
poll_method		epoll
sip_listen		127.0.0.1:{sip_port}
audio_player		aubridge,nil
audio_source		ausine,700
audio_alert		aubridge,nil
ausrc_srate		48000
ausrc_channels		2
rtp_ports		{rtp_first}-{rtp_last}
snd_path		{workdir}
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			aubridge.so
module			sndfile.so
module_app		account.so
"""


def free_sip_port() -> int:
    """A port free for both UDP and TCP: baresip listens on both."""
    while True:
        port = free_udp_port()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


async def one_khz(prompt: Prompt) -> bytes:
    t = np.arange(12000) / 8000  # 1.5 s
    return from_float(0.4 * np.sin(2 * np.pi * 1000 * t))


async def test_a_tone_each_way_with_baresip(tmp_path: Path) -> None:
    sip_port, rtp = free_sip_port(), free_udp_port(even=True)
    (tmp_path / "config").write_text(CONFIG.format(sip_port=sip_port, rtp_first=rtp,
                                                   rtp_last=rtp + 20, workdir=tmp_path))
    (tmp_path / "accounts").write_text(
        "<sip:79161234567@127.0.0.1>;answermode=auto;regint=0;audio_codecs=PCMA,PCMU\n")
    with (tmp_path / "baresip.log").open("wb") as log:
        phone = await asyncio.create_subprocess_exec(
            BARESIP or "baresip", "-v", "-f", str(tmp_path), "-t", "60", cwd=tmp_path,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT)
    gateway = gateway_for(sip_port, strip_plus=True)
    gateway.render = one_khz
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        result = await call.dial("+79161234567", ring_seconds=30)
        assert result is CallResult.ANSWERED, (tmp_path / "baresip.log").read_text(
            errors="replace")
        await call.play(Prompt(text="a tone"))
        call.send_dtmf("159#")
        await asyncio.sleep(2.0)  # four digits of 100 ms, 60 ms apart, paced in real time
        assert call.media is not None
        assert tone_share(bytes(call.media.heard), 700) > 0.5  # baresip's sine reached us
        await call.hangup()
        await asyncio.sleep(1.0)  # baresip takes our BYE and closes its dump
    finally:
        await gateway.stop()
        if phone.returncode is None:
            phone.terminate()
        await phone.wait()
    assert tone_share(_what_baresip_heard(tmp_path), 1000) > 0.5  # and ours reached baresip
    ended = re.findall(r"received event: '(.)' \(end=1\)",
                       (tmp_path / "baresip.log").read_text(errors="replace"))
    assert "".join(ended) == "159#"


def _what_baresip_heard(workdir: Path) -> bytes:
    dumps = sorted(workdir.glob("dump-*-dec.wav"))
    assert dumps, "baresip wrote no dump of what it received"
    with wave.open(str(dumps[0])) as heard:
        assert heard.getframerate() == 8000
        return heard.readframes(heard.getnframes())
