"""The recording tap: a call's audio written to disk while the call runs.

A stereo 16-bit 8 kHz WAV, robot on the left and subscriber on the right (or both mixed to
mono), each 20 ms frame at its slot on the media clock so the two sides stay aligned. Frames
are handed on every `flush_frames` (0.5 s) and the header is rewritten after each append, so a
process killed at any moment leaves a valid file holding the call up to the last append;
`close()` appends the rest and fixes the header for good.

Where the bytes are written is the sink's business. With a `TapWriter` (media/tap_writer.py, what
live recordings use) the appends go through a pipe to a writer *process*, so a disk that stalls
(ext4 journal commits held a write for 174 ms on the development VM) never stalls the event loop
that paces every call's audio; a writer thread measured worse (GIL hand-offs). Without one, or
after the writer process died, the tap writes in-process (`WavFile`), as tests and tools do.
"""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

FRAME_SECONDS = 0.02
FRAME_SAMPLES = 160
FRAME_BYTES = FRAME_SAMPLES * 2  # one side's 20 ms
RATE = 8000
LAG_FRAMES = 10  # a side may trail the other this much before its slots are written as silence
HEADER_BYTES = 44
MAX_JUMP_FRAMES = 6 * 3600 * 50  # a frame this far past the latest one is not audio of the call
_SILENT = bytes(FRAME_BYTES)
_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sI")


def wav_header(data_bytes: int, channels: int) -> bytes:
    return _HEADER.pack(b"RIFF", 36 + data_bytes, b"WAVE", b"fmt ", 16, 1, channels, RATE,
                        RATE * 2 * channels, 2 * channels, 16, b"data", data_bytes)


def interleave(left: bytes | memoryview, right: bytes | memoryview, channels: int) -> bytes:
    """The WAV data of two equally long tracks: interleaved (stereo) or mixed (mono)."""
    lsamples = np.frombuffer(left, dtype="<i2")
    rsamples = np.frombuffer(right, dtype="<i2")
    if channels == 2:
        frames = np.empty((lsamples.size, 2), dtype="<i2")
        frames[:, 0] = lsamples
        frames[:, 1] = rsamples
        return frames.tobytes()
    mixed = lsamples.astype(np.int32) + rsamples
    mono: bytes = np.clip(mixed, -32768, 32767).astype("<i2").tobytes()  # numpy: untyped
    return mono


class WavFile:
    """One recording's file, written at frame slots (`pwrite`): a slot never handed over (a
    dropped append) stays a hole that reads as silence, and the other slots keep their place.
    The header is rewritten whenever the data grows. Used by the writer process and in-process.

    Args:
        resume: open an existing file without truncating it; `data_bytes` is what it holds.
    """

    __slots__ = ("_fd", "channels", "data_bytes", "path")

    def __init__(self, path: Path, channels: int, *, resume: bool = False, data_bytes: int = 0):
        self.path = path
        self.channels = channels
        self.data_bytes = data_bytes if resume else 0
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | (0 if resume else os.O_TRUNC)
        self._fd = os.open(path, flags, 0o644)
        if resume:  # whatever the writer before got to write, the header says `data_bytes`
            if os.fstat(self._fd).st_size < HEADER_BYTES + data_bytes:
                os.ftruncate(self._fd, HEADER_BYTES + data_bytes)
            os.pwrite(self._fd, wav_header(data_bytes, channels), 0)
        else:
            os.write(self._fd, wav_header(0, channels))

    def put(self, slot: int, left: bytes | memoryview, right: bytes | memoryview) -> None:
        """Both sides' audio from frame `slot` on (equal lengths, whole frames)."""
        data = interleave(left, right, self.channels)
        offset = slot * FRAME_BYTES * self.channels
        os.pwrite(self._fd, data, HEADER_BYTES + offset)
        end = offset + len(data)
        if end > self.data_bytes:
            self.data_bytes = end
            os.pwrite(self._fd, wav_header(end, self.channels), 0)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class TapSink(Protocol):
    """Where a tap's appends go (a `WavFile` in-process, or the writer process)."""

    def put(self, slot: int, left: bytes, right: bytes) -> None: ...

    def close(self, done: Callable[[], None]) -> None:
        """No more appends; `done()` once the file is complete on disk."""
        ...


class DirectSink:
    """Implements `TapSink` in this process."""

    __slots__ = ("file",)

    def __init__(self, file: WavFile):
        self.file = file

    def put(self, slot: int, left: bytes, right: bytes) -> None:
        self.file.put(slot, left, right)

    def close(self, done: Callable[[], None]) -> None:
        self.file.close()
        done()


class Writer(Protocol):
    """Opens sinks in a writer process (`voicebox.media.tap_writer.TapWriter`)."""

    def sink(self, path: Path, channels: int) -> TapSink: ...


class RecordingTap:
    """Takes the frames each side sends (`robot`, `subscriber`) with their media time.

    Args:
        writer: append through this writer process; None writes in this process.
        on_close: called with the path once the file is complete on disk (at `close()` when
            writing in-process, when the writer process has finished it otherwise).
        on_closing: called at `close()` with a future that is done when the file is complete,
            if it is not yet (so a shutdown can wait for it).
    """

    __slots__ = ("_base", "_left", "_right", "_sink", "_span", "_top", "_waiter", "channels",
                 "closed", "complete", "flush_frames", "on_close", "on_closing", "path", "start")

    def __init__(self, path: Path, *, start: float, stereo: bool = True,
                 flush_frames: int = 25, on_close: Callable[[Path], None] | None = None,
                 on_closing: Callable[[asyncio.Future[None]], object] | None = None,
                 writer: Writer | None = None):
        self.path = path
        self.start = start
        self.channels = 2 if stereo else 1
        self.flush_frames = flush_frames
        self.on_close = on_close
        self.on_closing = on_closing
        self._waiter: asyncio.Future[None] | None = None
        self.closed = False
        self.complete = False  # the file is finished on disk
        # Each side's frames from slot `_base` on, at their place (zeros: silence where a side
        # sent nothing): a slice assignment per frame, no per-frame objects.
        self._span = flush_frames + 2 * LAG_FRAMES
        self._left = bytearray(self._span * FRAME_BYTES)
        self._right = bytearray(self._span * FRAME_BYTES)
        self._base = 0  # first slot not yet written
        self._top = 0  # one past the highest slot seen
        self._sink: TapSink = (writer.sink(path, self.channels) if writer is not None
                               else DirectSink(WavFile(path, self.channels)))

    @property
    def data_bytes(self) -> int:
        """Bytes of audio handed to the sink so far."""
        return self._base * FRAME_BYTES * self.channels

    def robot(self, frame: bytes, at: float) -> None:
        self._put(self._left, frame, at)

    def subscriber(self, frame: bytes, at: float) -> None:
        self._put(self._right, frame, at)

    def _put(self, side: bytearray, frame: bytes, at: float) -> None:
        if self.closed:
            return
        slot = round((at - self.start) / FRAME_SECONDS)
        index = slot - self._base
        if index < 0:
            return  # arrived after its slot was written
        if slot - self._top > MAX_JUMP_FRAMES:
            return  # a media time no call reaches (a broken timestamp): not hours of silence
        if index >= self._span:  # far ahead of the other side: what it trails by is silence
            self._write(slot - LAG_FRAMES)
            index = slot - self._base
        offset = index * FRAME_BYTES
        side[offset:offset + FRAME_BYTES] = frame[:FRAME_BYTES].ljust(FRAME_BYTES, b"\0") \
            if len(frame) != FRAME_BYTES else frame
        if slot >= self._top:
            self._top = slot + 1
            if self._top - self._base >= self.flush_frames + LAG_FRAMES:
                self._write(self._top - LAG_FRAMES)

    def _write(self, upto: int) -> None:
        base = self._base
        if upto <= base:
            return
        count = min(upto - base, self._span)
        size = count * FRAME_BYTES
        left, right = self._left, self._right
        self._sink.put(base, bytes(left[:size]), bytes(right[:size]))
        for side in (left, right):
            del side[:size]
            side.extend(bytes(size))
        if upto > base + count:  # a longer gap: a hole (reads as silence) up to a silent frame
            self._sink.put(upto - 1, _SILENT, _SILENT)
        self._base = upto

    def close(self, *, until: float | None = None) -> Path:
        """Write what is left (silence up to `until`, the call's end, when given); idempotent."""
        if not self.closed:
            end = self._top
            if until is not None:
                end = max(end, round((until - self.start) / FRAME_SECONDS))
            self._write(end)
            self.closed = True
            self._sink.close(self._finished)
            if not self.complete and self.on_closing is not None:
                self._waiter = asyncio.get_running_loop().create_future()
                self.on_closing(self._waiter)
        return self.path

    def _finished(self) -> None:
        self.complete = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        if self.on_close is not None:
            self.on_close(self.path)
