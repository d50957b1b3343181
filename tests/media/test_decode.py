"""Decoding of uploaded audio (files made here with sox / ffmpeg) and rejection of bad ones."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.media.conftest import (
    dominant_frequency,
    lying_about_its_size,
    make_tone,
    sparse_wav,
    tone,
    video_only,
)
from voicebox.errors import MediaError
from voicebox.media import audio
from voicebox.media.audio import SAMPLE_RATE, duration, read_prompt, rms, wav_bytes
from voicebox.media.decode import convert_file, load_audio


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

    pcm = tone(440, 1.0, 0.5) * 2
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
    whole = wav_bytes(tone(440, 1.0, 0.5))
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
