"""PCM helpers: the telephony format (8 kHz mono signed 16-bit little-endian), WAV files and
streams, and the external tools that process it (resampling and effects through sox, compression
through ffmpeg). Uploaded files are decoded in `decode`."""

from __future__ import annotations

import asyncio
import io
import uuid
import wave
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import numpy as np

from voicebox.errors import MediaError

SAMPLE_RATE = 8000
SAMPLE_WIDTH = 2

Pcm = bytes
"""Raw audio in the telephony format: 8 kHz, mono, signed 16-bit little-endian."""


def duration(pcm: Pcm, rate: int = SAMPLE_RATE) -> float:
    return len(pcm) / (SAMPLE_WIDTH * rate)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> Pcm:
    return bytes(SAMPLE_WIDTH * round(seconds * rate))


def to_array(pcm: Pcm) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2")


def from_float(samples: np.ndarray) -> Pcm:
    """Float samples in [-1, 1] → PCM, clipped."""
    pcm: Pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()  # numpy: untyped
    return pcm


def rms(pcm: Pcm) -> float:
    """Root mean square level in [0, 1] (full-scale sine ≈ 0.707)."""
    samples = to_array(pcm).astype(np.float64) / 32768
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def wav_bytes(pcm: Pcm, *, rate: int = SAMPLE_RATE, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def write_wav(path: Path, pcm: Pcm, *, rate: int = SAMPLE_RATE, channels: int = 1) -> Path:
    """Write atomically (temp file + rename), so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # unique across workers
    tmp.write_bytes(wav_bytes(pcm, rate=rate, channels=channels))
    tmp.replace(path)
    return path


def read_wav(path: Path) -> tuple[Pcm, int, int]:
    """A 16-bit PCM WAV file → (frames, rate, channels); MediaError for anything else."""
    try:
        with wave.open(str(path), "rb") as src:
            if src.getsampwidth() != SAMPLE_WIDTH:
                raise MediaError(f"{path.name}: expected 16-bit PCM WAV")
            return src.readframes(src.getnframes()), src.getframerate(), src.getnchannels()
    except (wave.Error, EOFError) as exc:
        raise MediaError(f"{path.name}: not a readable WAV file ({exc})") from exc


def read_prompt(path: Path) -> Pcm:
    """A WAV in the telephony format (as the TTS cache and uploads store them) → PCM."""
    pcm, rate, channels = read_wav(path)
    if rate != SAMPLE_RATE or channels != 1:
        raise MediaError(f"{path.name}: expected {SAMPLE_RATE} Hz mono, got {rate} Hz × {channels}")
    return pcm


class OutputLimitExceeded(MediaError):
    """A tool produced more than its caller allowed (it was killed at the limit)."""


async def _spawn(args: list[str], *, piped_stdin: bool) -> asyncio.subprocess.Process:
    """Start an audio tool with piped stdout/stderr; MediaError naming it when not installed."""
    try:
        return await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE if piped_stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise MediaError(f"{args[0]} is not installed (see scripts/system-packages.txt)") from exc


async def _reap(proc: asyncio.subprocess.Process, tasks: list[asyncio.Future[Any]]) -> None:
    """Kill the tool if it still runs (the caller failed, stopped early or was cancelled), stop
    its feeders and readers, then read its pipes to their end and wait for it.

    Reading to the end is what closes the pipes and the transport: on Python 3.11 `wait()` only
    returns once every pipe is closed, so a stdout left full (its reader paused) hung the wait,
    and the transport outlived the stream until garbage collection, after its loop had closed."""
    if proc.returncode is None:
        proc.kill()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await proc.communicate()  # closes stdin, drains and closes stdout/stderr, waits


def _check_exit(proc: asyncio.subprocess.Process, err: bytes, args: list[str], what: str) -> None:
    """MediaError with the last line of the tool's stderr (no server paths) when it failed."""
    if proc.returncode != 0:
        # Decoded as the paths were, so a name that is not UTF-8 is still found and cut.
        text = _without_paths(err.decode(errors="surrogateescape"), args)
        detail = text.encode(errors="surrogateescape").decode(errors="replace").strip().splitlines()
        raise MediaError(f"{what}: {detail[-1] if detail else f'{args[0]} failed'}")


async def run_tool(
    args: list[str], stdin: bytes | None = None, *, what: str, max_output: int | None = None
) -> bytes:
    """Run an external audio tool without blocking the loop; MediaError with its stderr on failure.

    With `max_output` the tool's stdout is read as it comes and the tool is killed once it has
    written more than that many bytes (OutputLimitExceeded), so a decoder fed a bomb cannot fill
    the server's memory. The tool is also killed if the caller is cancelled."""
    proc = await _spawn(args, piped_stdin=stdin is not None)
    assert proc.stdout is not None and proc.stderr is not None
    tasks: list[asyncio.Future[Any]] = [asyncio.ensure_future(proc.stderr.read())]
    if stdin is not None:
        tasks.append(asyncio.ensure_future(_feed(proc, stdin)))
    out = bytearray()
    try:
        while chunk := await proc.stdout.read(64 * 1024):
            out += chunk
            if max_output is not None and len(out) > max_output:
                raise OutputLimitExceeded(f"{what}: {args[0]} wrote more than {max_output} bytes")
        await proc.wait()
        err = await tasks[0]
    finally:
        await _reap(proc, tasks)
    _check_exit(proc, err, args, what)
    return bytes(out)


async def _feed(proc: asyncio.subprocess.Process, data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        await proc.stdin.drain()
        proc.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the tool stopped reading; its exit status says why


def _without_paths(text: str, args: list[str]) -> str:
    """A tool's stderr with the file paths it was given cut to their names: the message may reach
    a client, who must not learn where the server keeps files."""
    for arg in sorted(args, key=len, reverse=True):
        if "/" in arg and Path(arg).name:
            text = text.replace(arg, Path(arg).name)
    return text


def _sox_args(rate: int, tempo: float, pitch_cents: int, *opts: str) -> list[str] | None:
    """The sox command resampling raw PCM at `rate` to 8 kHz with the effects; None when the
    audio is already what telephony wants."""
    effects: list[str] = []
    if abs(tempo - 1.0) > 0.01:
        effects += ["tempo", "-s", f"{tempo:.3f}"]
    if pitch_cents:
        effects += ["pitch", str(pitch_cents)]
    if rate == SAMPLE_RATE and not effects:
        return None
    raw = ["-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-L"]
    # -R: sox dithers the 16-bit output with random noise seeded from the clock unless told to be
    # repeatable; without it the same text came out a little different each run, and a
    # recognition test on it passed or failed at random.
    return ["sox", "-R", "-q", *opts, *raw, "-r", str(rate), "-", *raw, "-r", str(SAMPLE_RATE), "-",
            *effects, "rate", "-h", str(SAMPLE_RATE)]


async def transform(
    pcm: bytes, *, rate: int, tempo: float = 1.0, pitch_cents: int = 0
) -> Pcm:
    """Resample mono 16-bit PCM at `rate` to 8 kHz, with optional time-stretch and pitch shift."""
    args = _sox_args(rate, tempo, pitch_cents)
    if args is None:
        return pcm
    return await run_tool(args, pcm, what="audio conversion failed")


STREAM_READ = 4096  # bytes read from a streaming tool at a time (0.25 s at 8 kHz)


async def stream_tool(
    args: list[str], stdin: bytes | AsyncGenerator[bytes, None] | None = None, *, what: str
) -> AsyncGenerator[bytes, None]:
    """`run_tool` for a tool that writes as it works: its stdout is yielded as it comes, and
    `stdin` (bytes, or pieces arriving meanwhile) is fed as the tool reads. MediaError with its
    stderr when it fails (after what it wrote); closing the iterator early kills the tool."""
    proc = await _spawn(args, piped_stdin=stdin is not None)
    assert proc.stdout is not None and proc.stderr is not None
    errors = asyncio.ensure_future(proc.stderr.read())
    feed: asyncio.Future[None] | None = None
    if isinstance(stdin, bytes):
        feed = asyncio.ensure_future(_feed(proc, stdin))
    elif stdin is not None:
        feed = asyncio.ensure_future(_relay(proc, stdin))
    try:
        while chunk := await proc.stdout.read(STREAM_READ):
            yield chunk
        if feed is not None:
            await feed  # the source's own failure, if any, wins
        await proc.wait()
        err = await errors
    finally:
        await _reap(proc, [errors] if feed is None else [errors, feed])
    _check_exit(proc, err, args, what)


async def _relay(proc: asyncio.subprocess.Process, source: AsyncGenerator[bytes, None]) -> None:
    assert proc.stdin is not None
    try:
        async for piece in source:
            proc.stdin.write(piece)
            await proc.stdin.drain()
        proc.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the tool stopped reading; its exit status says why
    finally:
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()


async def stream_transform(
    source: AsyncGenerator[bytes, None], *, rate: int, tempo: float = 1.0, pitch_cents: int = 0
) -> AsyncGenerator[Pcm, None]:
    """`transform` for audio that arrives in pieces (a streaming engine): sox resamples as it
    reads, so 8 kHz PCM comes out while the source is still speaking (the same conversion as
    `transform`)."""
    args = _sox_args(rate, tempo, pitch_cents, "--buffer", str(STREAM_READ))
    if args is None:
        async with aclosing(source):
            async for piece in source:
                yield piece
        return
    async with aclosing(stream_tool(args, source, what="audio conversion failed")) as pieces:
        async for piece in pieces:
            yield piece


async def wav_stream_body(source: AsyncGenerator[bytes, None], *, what: str) -> tuple[int, AsyncGenerator[bytes, None]]:
    """A WAV arriving through a pipe (espeak-ng --stdout, placeholder sizes in its header):
    its rate, once the header is in, and the PCM after the header as it keeps coming. Closing
    the body closes `source`; until the body has started, the caller still closes it."""
    head = b""
    async for piece in source:
        head += piece
        start = head.find(b"data")
        if start >= 0 and len(head) >= start + 8:
            _, rate = parse_wav_stream(head[:start + 8], what=what)
            break
    else:
        raise MediaError(f"{what}: WAV stream without audio")

    async def body() -> AsyncGenerator[bytes, None]:
        async with aclosing(source):  # closing the body stops the tool
            first = head[start + 8:]
            if first:
                yield first
            async for piece in source:
                yield piece

    return rate, body()


async def compress(wav: Path, dest: Path) -> Path:
    """Encode a WAV as OGG/Opus or MP3 (by `dest`'s suffix) with ffmpeg."""
    codec = {".ogg": ["-c:a", "libopus", "-b:a", "16k"], ".opus": ["-c:a", "libopus", "-b:a", "16k"],
             ".mp3": ["-c:a", "libmp3lame", "-b:a", "32k"]}.get(dest.suffix)
    if codec is None:
        raise MediaError(f"unsupported compressed format {dest.suffix!r}; use .ogg or .mp3")
    tmp = dest.with_name(f".{dest.stem}.{uuid.uuid4().hex}{dest.suffix}")
    await run_tool(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), *codec, str(tmp)],
                   what=f"compressing {wav.name} failed")
    tmp.replace(dest)
    return dest


def parse_wav_stream(data: bytes, *, what: str = "engine output") -> tuple[Pcm, int]:
    """Mono 16-bit PCM WAV bytes → (frames, rate), tolerating the placeholder sizes that tools
    writing to a pipe leave in the header (espeak-ng --stdout)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise MediaError(f"{what}: not a WAV stream")
    pos, rate = 12, None
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = pos + 8
        if kind == b"fmt ":
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
            rate = int.from_bytes(data[body + 4 : body + 8], "little")
            bits = int.from_bytes(data[body + 14 : body + 16], "little")
            if channels != 1 or bits != 16:
                raise MediaError(f"{what}: expected mono 16-bit, got {channels} ch × {bits} bit")
        elif kind == b"data":
            if rate is None:
                break
            end = min(body + size, len(data))
            return data[body : end - (end - body) % 2], rate
        pos = body + size + (size & 1)
    raise MediaError(f"{what}: WAV stream without audio")
