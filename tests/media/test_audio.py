"""The audio tools on PCM: sox transforms, compression, WAV streams, the output cap and reaping."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.media.conftest import dominant_frequency, make_tone, tone
from voicebox.errors import MediaError
from voicebox.media import audio
from voicebox.media.audio import (
    SAMPLE_RATE,
    OutputLimitExceeded,
    compress,
    duration,
    parse_wav_stream,
    run_tool,
    transform,
    wav_bytes,
)
from voicebox.media.base import SpeechSettings
from voicebox.media.decode import load_audio
from voicebox.media.espeak import EspeakEngine


async def test_transform_tempo_and_pitch() -> None:
    sine = tone(1000, 1.0, 0.5)
    faster = await transform(sine, rate=SAMPLE_RATE, tempo=2.0)
    assert duration(faster) == pytest.approx(duration(sine) / 2, rel=0.05)
    higher = await transform(sine, rate=SAMPLE_RATE, pitch_cents=1200)  # one octave up
    assert dominant_frequency(higher) == pytest.approx(2000, abs=20)
    assert duration(higher) == pytest.approx(duration(sine), rel=0.02)


async def test_compress_round_trip(tmp_path: Path) -> None:
    src = make_tone(tmp_path / "tone.wav", seconds=2)
    for suffix in (".ogg", ".mp3"):
        packed = await compress(src, tmp_path / f"packed{suffix}")
        assert packed.stat().st_size < src.stat().st_size / 5
        assert duration(await load_audio(packed)) == pytest.approx(2, abs=0.1)
    with pytest.raises(MediaError, match="unsupported compressed format"):
        await compress(src, tmp_path / "packed.flac")


def test_parse_wav_stream_tolerates_pipe_headers() -> None:
    data = bytearray(wav_bytes(b"\x01\x00" * 100, rate=22050))
    data[4:8] = data[40:44] = (0x7FFFFFFF).to_bytes(4, "little")  # what espeak-ng writes
    pcm, rate = parse_wav_stream(bytes(data))
    assert (len(pcm), rate) == (200, 22050)
    with pytest.raises(MediaError):
        parse_wav_stream(b"not a wav")


async def test_a_tool_writing_past_its_output_cap_is_killed() -> None:
    """An endless decoder (silence with no end) stops at the cap instead of filling memory."""
    endless = ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
               "-f", "s16le", "-"]
    with pytest.raises(OutputLimitExceeded, match="more than 100000 bytes"):
        # (the wait only stops a regression from hanging the suite; it is no timing assertion)
        await asyncio.wait_for(run_tool(endless, what="endless", max_output=100_000), 300)
    assert len(await run_tool([*endless[:-3], "-t", "1", "-f", "s16le", "-"], what="one second",
                              max_output=100_000)) == 16_000


@pytest.mark.parametrize("source", ["espeak-ng into sox", "endless ffmpeg"])
async def test_a_stream_closed_early_leaves_no_tool_behind(monkeypatch, source: str) -> None:
    """Closed after its first piece, a stream has reaped every tool it started and read their
    pipes to the end by the time `aclose` returns: nothing is left for garbage collection to
    close once the event loop is gone (it failed a later test run with "Event loop is closed")."""
    started: list[asyncio.subprocess.Process] = []
    spawn = audio._spawn

    async def recording(args: list[str], *, piped_stdin: bool) -> asyncio.subprocess.Process:
        started.append(await spawn(args, piped_stdin=piped_stdin))
        return started[-1]

    monkeypatch.setattr(audio, "_spawn", recording)
    if source == "endless ffmpeg":
        stream = audio.stream_tool(
            ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
             "-f", "s16le", "-"], what="endless")
    else:
        text = " ".join(f"Sentence number {n} of a prompt closed early." for n in range(40))
        stream = EspeakEngine().stream(text, SpeechSettings(), "en")
    assert await anext(stream)
    # (the wait only stops a regression from hanging the suite; it is no timing assertion)
    await asyncio.wait_for(stream.aclose(), 300)
    assert len(started) == (1 if source == "endless ffmpeg" else 2)
    for proc in started:
        assert proc.returncode is not None
        assert proc.stdout is not None and proc.stdout.at_eof()
        assert proc.stderr is not None and proc.stderr.at_eof()
