"""Uploaded audio files (WAV / MP3 / OGG) → telephony PCM: the format check through ffprobe, the
decode through ffmpeg, a shortcut for a WAV already in the telephony format, and the limits on
duration and output size that keep a lying or huge file from costing more than it may."""

from __future__ import annotations

import asyncio
import math
import wave
from pathlib import Path

from voicebox.errors import MediaError
from voicebox.media.audio import (
    SAMPLE_RATE,
    SAMPLE_WIDTH,
    OutputLimitExceeded,
    Pcm,
    duration,
    run_tool,
    write_wav,
)

ACCEPTED_FORMATS = {"wav": "WAV", "mp3": "MP3", "ogg": "OGG"}
# ffprobe's format_name for each accepted container.
_PROBE_NAMES = {"wav": "wav", "mp3": "mp3", "ogg": "ogg"}


def _source(path: Path) -> str:
    """The path as ffmpeg gets it: absolute, so a name like `concat:x` or `-i` stays a file name
    rather than a protocol or an option."""
    return str(path.absolute())


async def probe_format(path: Path) -> tuple[str, float]:
    """(accepted format key, duration s) of an audio file; MediaError if it is not WAV/MP3/OGG
    or holds no audio stream."""
    out = await run_tool(
        ["ffprobe", "-v", "error", "-show_entries", "format=format_name,duration:stream=codec_type",
         "-of", "default=noprint_wrappers=1", _source(path)],
        what=f"{path.name} is not a readable audio file",
    )
    lines = [line.split("=", 1) for line in out.decode().splitlines() if "=" in line]
    fields = dict(lines)
    names = set(fields.get("format_name", "").split(","))
    kind = next((key for key, name in _PROBE_NAMES.items() if name in names), None)
    if kind is None:
        raise MediaError(
            f"{path.name}: unsupported audio format {fields.get('format_name')!r}; "
            f"expected one of {', '.join(ACCEPTED_FORMATS.values())}"
        )
    if not any(key == "codec_type" and value == "audio" for key, value in lines):
        raise MediaError(f"{path.name}: contains no audio stream")
    try:
        seconds = float(fields.get("duration", "nan"))
    except ValueError:
        seconds = float("nan")
    return kind, seconds


async def load_audio(path: Path, *, max_seconds: float = 600.0) -> Pcm:
    """Decode a WAV / MP3 / OGG file to telephony PCM; MediaError if it is not one, is corrupt,
    empty or longer than `max_seconds`.

    A WAV already in the telephony format is read as it is (no subprocess); anything else goes
    through ffmpeg. Either way at most `max_seconds` + 1 s is read, about 16 kB a second, however
    long the file or its header claims to be."""
    too_long = _too_long(path, max_seconds)
    wav = await asyncio.to_thread(_read_telephony_wav, path, round((max_seconds + 1) * SAMPLE_RATE))
    if wav is None:
        pcm, probed = await _decode(path, max_seconds)
        too_long = _lied(too_long, probed)
    else:
        pcm, seconds = wav
        too_long += f" (it lasts {seconds:.0f} s)"
    if not pcm:
        raise MediaError(f"{path.name}: contains no audio")
    if duration(pcm) > max_seconds:
        raise MediaError(too_long)
    return pcm


def _read_telephony_wav(path: Path, max_frames: int) -> tuple[Pcm, float] | None:
    """(up to `max_frames` of PCM, seconds its header claims) of a whole 8 kHz mono 16-bit PCM
    WAV; None for anything else, a cut or oddly sized one included, which ffmpeg then decodes
    or refuses, so this shortcut never changes a verdict."""
    try:
        with wave.open(str(path), "rb") as src:
            if (src.getframerate(), src.getnchannels(), src.getsampwidth()) != (
                    SAMPLE_RATE, 1, SAMPLE_WIDTH):
                return None
            claimed = src.getnframes()
            pcm = src.readframes(min(claimed, max_frames))
    except (wave.Error, EOFError, OSError):
        return None
    if len(pcm) < min(claimed, max_frames) * SAMPLE_WIDTH:
        return None
    return pcm, claimed / SAMPLE_RATE


async def _decode(path: Path, max_seconds: float) -> tuple[Pcm, float]:
    """(PCM, probed duration) through ffprobe and ffmpeg. Refused on the probed duration before
    decoding; and since a container may lie about its duration, ffmpeg stops after
    `max_seconds` + 1 s of output and is killed past that many bytes."""
    too_long = _too_long(path, max_seconds)
    _, probed = await probe_format(path)
    if probed > max_seconds:  # NaN (no duration in the header) falls through to the capped decode
        raise MediaError(f"{too_long} (it lasts {probed:.0f} s)")
    limit = max_seconds + 1
    try:
        pcm = await run_tool(
            ["ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", _source(path),
             "-t", f"{limit:g}", "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1",
             "-ar", str(SAMPLE_RATE), "-"],
            what=f"{path.name} is corrupt",
            max_output=round(limit * SAMPLE_RATE) * SAMPLE_WIDTH + 64 * 1024,
        )
    except OutputLimitExceeded as error:
        raise MediaError(_lied(too_long, probed)) from error
    return pcm, probed


def _too_long(path: Path, max_seconds: float) -> str:
    return f"{path.name}: longer than {max_seconds:g} s"


def _lied(message: str, probed: float) -> str:
    """The too-long message when decoding, not the container, showed it."""
    return message if math.isnan(probed) else f"{message} (its header says {probed:.0f} s)"


async def convert_file(src: Path, dest: Path, *, max_seconds: float = 600.0) -> Path:
    """An uploaded file → a telephony WAV at `dest` (what announcements play)."""
    pcm = await load_audio(src, max_seconds=max_seconds)
    return await asyncio.to_thread(write_wav, dest, pcm)
