"""A refused REFER bridges a second leg: the call's recording goes on through the bridge, with
the B party's audio (relayed to A) on the robot's channel, for as long as A's call lasts."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from tests.recordings.support import audible_seconds, channels
from tests.telephony.sip.conftest import TrunkCall, needs_sipp
from tests.telephony.sip.rtp_capture import TONE_HZ, rtp_stream
from voicebox.media.tap import RecordingTap
from voicebox.telephony.base import CallResult, CallState, Prompt, TransferTarget

pytestmark = needs_sipp

BEEP_HZ = 440  # the robot's prompt (tests/telephony/sip/media.beep)


def _main_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(float)))
    return float(np.argmax(spectrum) * 8000 / samples.size)


async def test_the_bridged_part_of_a_call_is_recorded(
        tmp_path: Path, trunk_call: TrunkCall) -> None:
    taps: dict[str, RecordingTap] = {}

    def open_tap(call_id: str, start: float) -> RecordingTap:
        taps[call_id] = RecordingTap(tmp_path / f"{call_id}.wav", start=start)
        return taps[call_id]

    # Both of sipp's calls play this: A (the subscriber) while it waits, B once bridged.
    trunk, call = await trunk_call("uas_refer_refused.xml", calls=2,
                                   talk=rtp_stream(tone_seconds=5.0, pt=0))
    call.gateway.media.taps = open_tap  # a real WAV per call (set before the call is up)
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
    await call.play(Prompt(text="connecting you"))  # half a second of 440 Hz
    result = await call.transfer(TransferTarget(number="+74950000000"), ring_seconds=10)
    assert result is CallResult.ANSWERED and call.bridged_to is not None
    bridged_at = call.elapsed()
    await call.hangup()  # the engine is done; A and B keep talking until A hangs up
    assert await trunk.wait() == 0, trunk.log()
    assert call.state is CallState.ENDED
    ended_at = call.elapsed()

    assert list(taps) == [call.id]  # one recording, the call's; the bridge leg has none
    tap = taps[call.id]
    assert tap.closed
    with wave.open(str(tap.path)) as reader:
        assert reader.getnchannels() == 2
        seconds = reader.getnframes() / 8000
        left, right = channels(reader.readframes(reader.getnframes()), 2)
    assert seconds >= ended_at - 0.1 and ended_at - bridged_at >= 4.5  # A hung up 5 s after
    split = round(bridged_at * 8000)
    assert abs(_main_hz(left[:split]) - BEEP_HZ) < 20  # the robot's prompt, then …
    assert abs(_main_hz(left[split:]) - TONE_HZ) < 20  # … B, relayed to A
    assert audible_seconds(left[split:]) > 3.0
    assert audible_seconds(right) > 4.0  # A talked throughout
