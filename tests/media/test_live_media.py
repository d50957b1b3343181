"""The pieces a media leg runs on every received frame, and the live recording tap (machine
detection: tests/media/test_amd.py)."""

from __future__ import annotations

import wave

import numpy as np

from voicebox.media.audio import from_float
from voicebox.media.dtmf import DtmfListener, decode_dtmf, dtmf_tones
from voicebox.media.tap import RecordingTap
from voicebox.media.vad import Vad, is_loud

FRAME = 320


def frames(pcm: bytes) -> list[bytes]:
    pcm += bytes(-len(pcm) % FRAME)
    return [pcm[i:i + FRAME] for i in range(0, len(pcm), FRAME)]


def tone(seconds: float, freq: float = 300.0, level: float = 0.3) -> bytes:
    t = np.arange(round(seconds * 8000)) / 8000
    return from_float(level * np.sin(2 * np.pi * freq * t))


def test_dtmf_listener_reads_tones_frame_by_frame_like_the_block_decoder():
    pcm = tone(0.2, level=0.0) + dtmf_tones("159#*0", tone_ms=80, gap_ms=60)
    listener = DtmfListener()
    heard = ""
    for frame in frames(pcm):
        if is_loud(frame):
            heard += listener.feed(frame)
        else:
            listener.quiet()
    assert heard == decode_dtmf(pcm) == "159#*0"


def test_speech_like_sound_is_not_a_digit():
    listener = DtmfListener()
    assert "".join(listener.feed(f) for f in frames(tone(1.0, 440))) == ""


def test_vad_cuts_one_utterance_with_its_pauses_inside():
    vad = Vad()
    pcm = tone(0.6) + tone(0.2, level=0) + tone(0.4) + tone(1.0, level=0)
    events, cut = [], b""
    for frame in frames(pcm):
        event = vad.feed(frame, is_loud(frame))
        if event:
            events.append(event)
        if event == "end":
            cut = vad.take()
    assert events == ["start", "end"]
    assert 1.1 <= len(cut) / 16000 <= 1.3  # speech and the pause between, no tail


def test_a_click_is_not_speech():
    vad = Vad()
    pcm = tone(0.04) + tone(1.0, level=0)
    assert [e for f in frames(pcm) if (e := vad.feed(f, is_loud(f)))] == []


def test_the_tap_is_playable_while_the_call_runs_and_aligned_at_close(tmp_path):
    path = tmp_path / "call.wav"
    tap = RecordingTap(path, start=10.0)
    robot = frames(tone(2.0, 300))
    subscriber = frames(tone(1.0, 600))
    for n, frame in enumerate(robot):
        at = 10.0 + n * 0.02
        tap.robot(frame, at + 0.003)  # pulled a little late: still its slot
        if 50 <= n < 100:
            tap.subscriber(subscriber[n - 50], at)
        if n == 60:  # mid-call, as a crash would find it
            with wave.open(str(path)) as live:
                assert live.getnchannels() == 2 and live.getnframes() >= 8000 * 0.5
    tap.close(until=13.0)
    tap.close()  # idempotent
    with wave.open(str(path)) as done:
        assert done.getnframes() == 3 * 8000
        samples = np.frombuffer(done.readframes(done.getnframes()), "<i2").reshape(-1, 2)
    left, right = samples[:, 0].astype(float), samples[:, 1].astype(float)
    assert np.abs(left[: 2 * 8000]).mean() > 1000 and np.abs(left[2 * 8000:]).max() == 0
    assert np.abs(right[:8000]).max() == 0  # the subscriber spoke from 1 s to 2 s
    assert np.abs(right[8000: 2 * 8000]).mean() > 1000 and np.abs(right[2 * 8000:]).max() == 0
