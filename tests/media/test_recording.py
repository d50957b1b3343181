"""RecordingWriter: both sides at their offsets, stereo or mixed, WAV and compressed copies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.media.conftest import RU_TEXT, speech_seconds
from voicebox.errors import MediaError
from voicebox.media.audio import SAMPLE_RATE, duration, load_audio, read_wav, rms
from voicebox.media.base import SpeechSettings
from voicebox.media.dtmf import decode_dtmf, dtmf_tones
from voicebox.media.recording import RecordingWriter


def channel(frames: bytes, index: int, channels: int = 2) -> bytes:
    return np.frombuffer(frames, dtype="<i2")[index::channels].tobytes()


def window(pcm: bytes, start: float, end: float) -> bytes:
    return pcm[round(start * SAMPLE_RATE) * 2 : round(end * SAMPLE_RATE) * 2]


async def test_stereo_call_recording(tmp_path: Path, festival) -> None:
    prompt = await festival.synthesize(RU_TEXT, SpeechSettings(), "ru")
    writer = RecordingWriter(tmp_path / "2026" / "call-1.wav")
    writer.add("robot", prompt, 0.5)
    answer_at = 0.5 + duration(prompt) + 1.0
    writer.add("subscriber", dtmf_tones("42#"), answer_at)
    path = await writer.close(total_seconds=answer_at + 3)

    frames, rate, channels = read_wav(path)
    assert (rate, channels) == (SAMPLE_RATE, 2)
    assert duration(frames) / 2 == pytest.approx(answer_at + 3, abs=0.01)
    robot, subscriber = channel(frames, 0), channel(frames, 1)
    # The prompt is audible where it was played, as long as it was, and silent before.
    assert rms(window(robot, 0, 0.5)) == 0
    spoken = window(robot, 0.5, 0.5 + duration(prompt))
    assert spoken == prompt and speech_seconds(spoken) > 0.4 * duration(prompt)
    assert decode_dtmf(subscriber) == "42#" and decode_dtmf(robot) == ""
    assert rms(window(subscriber, 0, answer_at)) == 0


async def test_mono_mix_and_overlap(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "mix.wav", stereo=False)
    tone = dtmf_tones("5", tone_ms=500, gap_ms=0, level=0.15)
    writer.add("robot", tone, 0.0)
    writer.add("subscriber", tone, 0.0)  # talking over each other adds up
    writer.add("subscriber", dtmf_tones("7"), 1.0)
    assert writer.duration == pytest.approx(1.16)
    path = await writer.close()
    frames, _, channels = read_wav(path)
    assert channels == 1
    assert rms(window(frames, 0, 0.5)) == pytest.approx(2 * rms(tone), rel=0.05)
    assert decode_dtmf(frames) == "57"


async def test_compressed_copy(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "call.wav", compressed="ogg")
    writer.add("subscriber", dtmf_tones("123"), 0.2)
    wav = await writer.close(total_seconds=2)
    assert writer.compressed_path == tmp_path / "call.ogg"
    decoded = await load_audio(writer.compressed_path)
    assert duration(decoded) == pytest.approx(2, abs=0.1)
    assert writer.compressed_path.stat().st_size < wav.stat().st_size
    assert await writer.close() == wav  # idempotent


def test_bad_use_is_an_error(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "x.wav")
    with pytest.raises(MediaError, match="side"):
        writer.add("caller", b"\x00\x00", 0)  # type: ignore[arg-type]
    with pytest.raises(MediaError, match="negative"):
        writer.add("robot", b"\x00\x00", -1)
    with pytest.raises(MediaError, match="format"):
        RecordingWriter(tmp_path / "y.wav", compressed="flac")


async def test_empty_call_is_a_valid_silent_file(tmp_path: Path) -> None:
    path = await RecordingWriter(tmp_path / "empty.wav").close(total_seconds=1)
    frames, rate, channels = read_wav(path)
    assert (len(frames), rate, channels) == (SAMPLE_RATE * 2 * 2, SAMPLE_RATE, 2)
    with pytest.raises(MediaError, match="closed"):
        RecordingWriter(tmp_path / "z.wav", _closed=True).add("robot", b"\x00\x00", 0)
