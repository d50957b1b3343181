"""The recording tap: a call's audio written to disk while the call runs.

A stereo 16-bit 8 kHz WAV, robot on the left and subscriber on the right (or both mixed to
mono), each 20 ms frame at its slot on the media clock so the two sides stay aligned. Frames
are appended every `flush_frames` and the header is rewritten after each append, so a process
killed at any moment leaves a valid file holding the call up to the last append; `close()`
appends the rest and fixes the header for good.

Disk writes go through a `FileWriter`: `InlineWriter` writes at once (tests, tools);
`ThreadWriter` hands them to one thread per process, so a slow disk never stalls the event loop
that paces every call's audio (the order of each file's writes is kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)
FRAME_SECONDS = 0.02
FRAME_SAMPLES = 160
RATE = 8000
LAG_FRAMES = 10  # a side may trail the other this much before its slots are written as silence
_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sI")


def wav_header(data_bytes: int, channels: int) -> bytes:
    return _HEADER.pack(b"RIFF", 36 + data_bytes, b"WAVE", b"fmt ", 16, 1, channels, RATE,
                        RATE * 2 * channels, 2 * channels, 16, b"data", data_bytes)


class _File:
    __slots__ = ("fd", "path")

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def open(self, header: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(self.fd, header)

    def append(self, data: bytes, header: bytes) -> None:
        if self.fd is not None:
            os.write(self.fd, data)
            os.pwrite(self.fd, header, 0)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class FileWriter(Protocol):
    def open(self, file: _File, header: bytes) -> None: ...

    def append(self, file: _File, data: bytes, header: bytes) -> None: ...

    def close(self, file: _File, done: Callable[[], None] | None) -> None:
        """Close `file`, then call `done` (on the event loop)."""
        ...


class InlineWriter:
    def open(self, file: _File, header: bytes) -> None:
        file.open(header)

    def append(self, file: _File, data: bytes, header: bytes) -> None:
        file.append(data, header)

    def close(self, file: _File, done: Callable[[], None] | None) -> None:
        file.close()
        if done is not None:
            done()


class ThreadWriter:
    """One thread doing every tap's disk writes in order; `done` callbacks come back to the
    loop that closed the file."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="recording-tap", daemon=True)
        self._thread.start()

    def open(self, file: _File, header: bytes) -> None:
        self._queue.put((file.open, (header,), None))

    def append(self, file: _File, data: bytes, header: bytes) -> None:
        self._queue.put((file.append, (data, header), None))

    def close(self, file: _File, done: Callable[[], None] | None) -> None:
        back = None
        if done is not None:
            loop = asyncio.get_running_loop()
            back = lambda: loop.call_soon_threadsafe(done)  # noqa: E731
        self._queue.put((file.close, (), back))

    def _run(self) -> None:
        while True:
            work, args, then = self._queue.get()
            try:
                work(*args)
            except OSError:
                log.exception("recording write failed")
            if then is not None:
                with contextlib.suppress(RuntimeError):  # the loop is gone (process ending)
                    then()


INLINE = InlineWriter()


_SILENT = bytes(FRAME_SAMPLES * 2)


def _track(slots: dict[int, bytes], base: int, upto: int) -> bytes:
    """One side's audio for slots [base, upto), silence where it sent nothing; taken out."""
    if not slots:
        return _SILENT * (upto - base)
    pop = slots.pop
    return b"".join([pop(slot, _SILENT) for slot in range(base, upto)])


class RecordingTap:
    """Takes the frames each side sends (`robot`, `subscriber`) with their media time."""

    __slots__ = ("_base", "_file", "_left", "_right", "_top", "channels", "closed",
                 "data_bytes", "flush_frames", "on_close", "path", "start", "writer")

    def __init__(self, path: Path, *, start: float, stereo: bool = True,
                 flush_frames: int = 25, on_close: Callable[[Path], None] | None = None,
                 writer: FileWriter = INLINE):
        self.path = path
        self.start = start
        self.channels = 2 if stereo else 1
        self.flush_frames = flush_frames
        self.on_close = on_close
        self.writer = writer
        self.data_bytes = 0
        self.closed = False
        self._left: dict[int, bytes] = {}
        self._right: dict[int, bytes] = {}
        self._base = 0  # first slot not yet written
        self._top = 0  # one past the highest slot seen
        self._file = _File(path)
        writer.open(self._file, wav_header(0, self.channels))

    def robot(self, frame: bytes, at: float) -> None:
        self._put(self._left, frame, at)

    def subscriber(self, frame: bytes, at: float) -> None:
        self._put(self._right, frame, at)

    def _put(self, side: dict[int, bytes], frame: bytes, at: float) -> None:
        if self.closed:
            return
        slot = round((at - self.start) / FRAME_SECONDS)
        if slot < self._base:
            return  # arrived after its slot was written
        side[slot] = frame
        if slot >= self._top:
            self._top = slot + 1
            if self._top - self._base >= self.flush_frames + LAG_FRAMES:
                self._write(self._top - LAG_FRAMES)

    def _write(self, upto: int) -> None:
        count = upto - self._base
        if count <= 0:
            return
        base = self._base
        left = np.frombuffer(_track(self._left, base, upto), dtype="<i2")
        right = np.frombuffer(_track(self._right, base, upto), dtype="<i2")
        if self.channels == 2:
            frames = np.empty((count * FRAME_SAMPLES, 2), dtype="<i2")
            frames[:, 0] = left
            frames[:, 1] = right
            data = frames.tobytes()
        else:
            mixed = left.astype(np.int32) + right
            data = np.clip(mixed, -32768, 32767).astype("<i2").tobytes()
        self.data_bytes += len(data)
        self.writer.append(self._file, data, wav_header(self.data_bytes, self.channels))
        self._base = upto

    def close(self, *, until: float | None = None) -> Path:
        """Write what is left (silence up to `until`, the call's end, when given); idempotent.
        `on_close` runs once the file is complete on disk."""
        if not self.closed:
            end = self._top
            if until is not None:
                end = max(end, round((until - self.start) / FRAME_SECONDS))
            self._write(end)
            self.closed = True
            done = None
            if self.on_close is not None:
                on_close, path = self.on_close, self.path
                done = lambda: on_close(path)  # noqa: E731
            self.writer.close(self._file, done)
        return self.path
