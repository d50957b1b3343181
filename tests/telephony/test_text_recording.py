"""Text-mode recordings: a call's timeline rendered into its tap when it ends. Placing the
audio: offsets kept, later audio pushed back instead of overlapping, inputs end where they were
reported, a prompt cut where the subscriber barged in."""

from __future__ import annotations

import wave
from itertools import pairwise

import numpy as np

from tests.recordings.support import audible_seconds, channels
from tests.telephony.sip.media import FunctionPrompts, beep
from voicebox.media.audio import SAMPLE_RATE, silence
from voicebox.media.dtmf import decode_dtmf
from voicebox.media.tap import RecordingTap
from voicebox.telephony.base import CallResult, Heard, Prompt, VirtualClock
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.simulated import SimulatedGateway
from voicebox.telephony.simulated.recording import layout
from voicebox.telephony.simulated.timeline import Event, Timeline


def tone(seconds: float) -> bytes:
    return b"\x10\x00" * round(seconds * SAMPLE_RATE)


def test_offsets_are_kept_when_audio_fits():
    events = [Event(0.5, prompt=Prompt(text="a")), Event(5.0, heard=Heard(dtmf="1")),
              Event(6.0, prompt=Prompt(text="b"))]
    placed, shift = layout(events, [tone(2.0), tone(0.16), tone(1.0)])
    assert shift == 0
    assert [(side, round(start, 2)) for side, start, _ in placed] == [
        ("robot", 0.5), ("subscriber", 4.84), ("robot", 6.0)]


def test_longer_audio_pushes_later_events_back():
    events = [Event(0.0, prompt=Prompt(text="long")), Event(1.0, prompt=Prompt(text="next")),
              Event(3.0, prompt=Prompt(text="last"))]
    placed, shift = layout(events, [tone(2.5), tone(1.0), tone(0.5)])
    starts = [start for _, start, _ in placed]
    assert starts == [0.0, 2.5, 4.5]  # the 1.5 s delay carries over to every later event
    assert shift == 1.5
    for (_, start, pcm), (_, nxt, _) in pairwise(placed):
        assert start + len(pcm) / 2 / SAMPLE_RATE <= nxt + 1e-9


def test_barge_in_cuts_the_prompt():
    events = [Event(0.0, prompt=Prompt(text="long prompt")),
              Event(2.0, heard=Heard(dtmf="5", barged_in=True))]
    placed, _ = layout(events, [tone(6.0), tone(0.16)])
    (_, p_start, prompt), (_, h_start, _) = placed
    assert p_start == 0.0 and abs(len(prompt) / 2 / SAMPLE_RATE - 1.84) < 1e-3
    assert abs(h_start - 1.84) < 1e-9


def test_timeline_skips_silence_and_empty_prompts():
    timeline = Timeline("c1")
    timeline.played(0.0, Prompt())
    timeline.heard(1.0, Heard())
    timeline.played(1.5, Prompt(text="hi"))
    timeline.heard(2.0, Heard(speech="да"))
    assert [e.side for e in timeline.events] == ["robot", "subscriber"]
    assert silence(0.1) == bytes(1600)


async def test_a_text_mode_call_is_rendered_into_its_tap_when_it_ends(tmp_path):
    taps: dict[str, RecordingTap] = {}

    def open_tap(call_id: str, start: float) -> RecordingTap:
        taps[call_id] = RecordingTap(tmp_path / f"{call_id}.wav", start=start)
        return taps[call_id]

    kit = MediaKit(prompts=FunctionPrompts(beep), taps=open_tap)
    gateway = SimulatedGateway(clock=VirtualClock(), media=kit)  # text mode
    call = gateway.outbound(to="+79990000001", options={"simulation": {
        "default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]}}})
    assert await call.dial("+79990000001", ring_seconds=10) is CallResult.ANSWERED
    await call.play(Prompt(text="Нажмите один"))
    assert (await call.collect(max_digits=1)).dtmf == "1"
    assert not taps  # nothing is rendered while the call runs
    await call.hangup()
    await gateway.stop()  # waits for the renders of ended calls

    [tap] = taps.values()
    assert tap.closed
    with wave.open(str(tap.path)) as reader:
        pcm = reader.readframes(reader.getnframes())
    robot, _ = channels(pcm, 2)
    assert 0.4 <= audible_seconds(robot) <= 0.6  # the prompt (a half-second beep) on the left
    assert decode_dtmf(np.frombuffer(pcm, dtype="<i2")[1::2].tobytes()) == "1"  # right: the key
