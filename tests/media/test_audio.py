"""Conversion of uploaded audio (files made here with sox / ffmpeg) and rejection of bad ones."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from tests.media.conftest import (
    dominant_frequency,
    lying_about_its_size,
    sparse_wav,
    video_only,
)
from voicebox.errors import MediaError
from voicebox.media import audio
from voicebox.media.audio import (
    SAMPLE_RATE,
    OutputLimitExceeded,
    compress,
    convert_file,
    duration,
    load_audio,
    parse_wav_stream,
    read_prompt,
    rms,
    run_tool,
    transform,
    wav_bytes,
)
from voicebox.media.base import SpeechSettings
from voicebox.media.espeak import EspeakEngine


def make_tone(path: Path, *, seconds: float = 1.5, freq: int = 440, rate: int = 44100) -> Path:
    """A stereo sine file in whatever format `path`'s suffix says, made by ffmpeg."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={freq}:sample_rate={rate}:duration={seconds}",
         "-ac", "2", str(path)],
        check=True,
    )
    return path


def sox_tone(path: Path) -> Path:
    """Half a second of 1 kHz, mono 16 kHz, made by sox."""
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(path), "synth", "0.5", "sine", "1000"],
                   check=True)
    return path


@pytest.mark.parametrize("suffix", ["wav", "mp3", "ogg"])
async def test_accepted_formats_become_8khz_mono(tmp_path: Path, suffix: str) -> None:
    src = make_tone(tmp_path / f"tone.{suffix}")
    dest = await convert_file(src, tmp_path / "out" / "prompt.wav")
    pcm = read_prompt(dest)  # raises unless 8 kHz mono 16-bit
    assert duration(pcm) == pytest.approx(1.5, abs=0.1)
    assert rms(pcm) > 0.03  # ffmpeg sine is at 1/8 of full scale
    assert dominant_frequency(pcm) == pytest.approx(440, abs=5)


async def test_sox_made_wav_at_another_rate(tmp_path: Path) -> None:
    pcm = await load_audio(sox_tone(tmp_path / "sox.wav"))
    assert duration(pcm) == pytest.approx(0.5, abs=0.02)
    assert dominant_frequency(pcm) == pytest.approx(1000, abs=5)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("noise.wav", b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 10, "not a readable audio file"),
        ("text.mp3", b"this is not audio at all\n" * 50, "not a readable audio file"),
        ("empty.ogg", b"", "not a readable audio file"),
    ],
)
async def test_corrupt_files_are_rejected(tmp_path: Path, name: str, content: bytes, message: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MediaError, match=message):
        await load_audio(path)


async def test_truncated_mp3_is_rejected_or_short(tmp_path: Path) -> None:
    good = make_tone(tmp_path / "tone.mp3", seconds=3)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(MediaError):
        await load_audio(cut)


async def test_other_formats_are_rejected_with_a_clear_error(tmp_path: Path) -> None:
    flac = make_tone(tmp_path / "tone.flac")
    with pytest.raises(MediaError, match=r"unsupported audio format.*WAV, MP3, OGG"):
        await load_audio(flac)


async def test_too_long_is_rejected(tmp_path: Path) -> None:
    src = make_tone(tmp_path / "long.wav", seconds=3)
    with pytest.raises(MediaError, match="longer than 2 s"):
        await load_audio(src, max_seconds=2)


async def test_a_telephony_wav_is_read_without_a_subprocess(tmp_path: Path, monkeypatch) -> None:
    async def no_tools(args: list[str], *, piped_stdin: bool) -> None:
        raise AssertionError(f"{args[0]} started for a telephony WAV")

    pcm = (await load_audio_tone(440)) * 2
    src = tmp_path / "phone.wav"
    src.write_bytes(wav_bytes(pcm))
    monkeypatch.setattr(audio, "_spawn", no_tools)
    assert await load_audio(src) == pcm
    with pytest.raises(MediaError, match=r"longer than 1 s \(it lasts 2 s\)"):
        await load_audio(src, max_seconds=1)
    src.write_bytes(wav_bytes(b""))
    with pytest.raises(MediaError, match="contains no audio"):
        await load_audio(src)


async def test_a_telephony_wav_cut_short_or_lying_about_its_size_is_corrupt(tmp_path: Path) -> None:
    """Left to ffmpeg, which refuses them as it refuses any other cut WAV."""
    whole = wav_bytes(await load_audio_tone(440))
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[:10001])
    with pytest.raises(MediaError, match=r"cut\.wav is corrupt"):
        await load_audio(cut)
    cut.write_bytes(lying_about_its_size(whole))
    with pytest.raises(MediaError, match=r"cut\.wav is corrupt"):
        await load_audio(cut)


async def test_a_two_hour_file_is_refused_reading_only_the_cap(tmp_path: Path) -> None:
    """Sparse files: 2 h claimed and present, yet only max_seconds + 1 s is read or probed."""
    for name, rate in (("phone.wav", SAMPLE_RATE), ("wide.wav", 16000)):
        src = sparse_wav(tmp_path / name, 7200, rate)
        with pytest.raises(MediaError, match=r"longer than 600 s \(it lasts 7200 s\)"):
            await load_audio(src)


async def test_a_file_without_an_audio_stream_says_so(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"video\.ogg: contains no audio stream"):
        await load_audio(video_only(tmp_path / "video.ogg"))


@pytest.mark.parametrize("name", ["concat:tone.wav", "-i.wav"])
async def test_a_file_name_is_never_an_ffmpeg_protocol_or_option(
        tmp_path: Path, monkeypatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    make_tone(tmp_path / "tone.wav", seconds=0.5)
    (tmp_path / name).write_bytes((tmp_path / "tone.wav").read_bytes())
    assert duration(await load_audio(Path(name))) == pytest.approx(0.5, abs=0.02)


async def test_transform_tempo_and_pitch() -> None:
    tone = (await load_audio_tone(1000))
    faster = await transform(tone, rate=SAMPLE_RATE, tempo=2.0)
    assert duration(faster) == pytest.approx(duration(tone) / 2, rel=0.05)
    higher = await transform(tone, rate=SAMPLE_RATE, pitch_cents=1200)  # one octave up
    assert dominant_frequency(higher) == pytest.approx(2000, abs=20)
    assert duration(higher) == pytest.approx(duration(tone), rel=0.02)


async def load_audio_tone(freq: int) -> bytes:
    import numpy as np

    from voicebox.media.audio import from_float

    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    return from_float(0.5 * np.sin(2 * np.pi * freq * t))


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
