"""Outbound calls through the SIP driver to sipp playing a trunk, on loopback."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.telephony.sip.conftest import Sipp, gateway_for, needs_sipp
from tests.telephony.sip.rtp_capture import TONE_HZ, rtp_stream, write_pcap
from voicebox.telephony.base import CallResult, CallState, TransferTarget

pytestmark = needs_sipp


def tone_share(pcm: bytes, hz: float = TONE_HZ) -> float:
    """How much of the energy in `pcm` sits at `hz` (1.0: a pure tone)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(float)
    if not samples.any():
        return 0.0
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / 8000)
    band = (freqs > hz - 30) & (freqs < hz + 30)
    return float(spectrum[band].sum() / spectrum.sum())


async def test_challenged_call_talks_hears_digits_and_transfers_by_refer(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_stream(tone_seconds=1.0, digits="12"))
    sipp = await Sipp("uas_trunk.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
        assert call.final_code == 200
        heard = await call.collect(max_digits=3, wait_seconds=15)
        assert heard.dtmf == "123"  # two RFC 4733 events (each sent 7 times), one INFO
        assert call.media is not None and tone_share(bytes(call.media.heard)) > 0.5
        result = await call.transfer(TransferTarget(number="+74950000000"), ring_seconds=10)
        assert result is CallResult.ANSWERED
        assert call.state is CallState.ENDED
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_wrong_password_ends_at_403_without_looping(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_stream(tone_seconds=0.2))
    sipp = await Sipp("uas_trunk.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port, password="wrong")
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.FAILED
        assert call.final_code == 403
        assert call.error == "trunk refused our credentials (403 Forbidden)"
        assert call.state is CallState.ENDED
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()
