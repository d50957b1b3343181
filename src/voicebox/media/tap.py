"""The recording tap: a call's audio written to disk while the call runs.

A stereo 16-bit 8 kHz WAV, robot on the left and subscriber on the right (or both mixed to
mono), each 20 ms frame at its slot on the media clock so the two sides stay aligned. Frames
are appended every `flush_frames` and the header is rewritten after each append, so a process
killed at any moment leaves a valid file holding the call up to the last append; `close()`
appends the rest and fixes the header for good.

Writes are plain appends to the page cache (16 KB per call every half second), made on the
event loop: handing them to a thread measured worse (bench/media.py: the writer thread's GIL
hand-offs cost the pacer more than the writes themselves).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

FRAME_SECONDS = 0.02
FRAME_SAMPLES = 160
RATE = 8000
LAG_FRAMES = 10  # a side may trail the other this much before its slots are written as silence
_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sI")


def wav_header(data_bytes: int, channels: int) -> bytes:
    return _HEADER.pack(b"RIFF", 36 + data_bytes, b"WAVE", b"fmt ", 16, 1, channels, RATE,
                        RATE * 2 * channels, 2 * channels, 16, b"data", data_bytes)


_SILENT = bytes(FRAME_SAMPLES * 2)


def _track(slots: dict[int, bytes], base: int, upto: int) -> bytes:
    """One side's audio for slots [base, upto), silence where it sent nothing; taken out."""
    if not slots:
        return _SILENT * (upto - base)
    pop = slots.pop
    return b"".join([pop(slot, _SILENT) for slot in range(base, upto)])


class RecordingTap:
    """Takes the frames each side sends (`robot`, `subscriber`) with their media time."""

    __slots__ = ("_base", "_fd", "_left", "_right", "_top", "channels", "closed",
                 "data_bytes", "flush_frames", "on_close", "path", "start")

    def __init__(self, path: Path, *, start: float, stereo: bool = True,
                 flush_frames: int = 25, on_close: Callable[[Path], None] | None = None):
        self.path = path
        self.start = start
        self.channels = 2 if stereo else 1
        self.flush_frames = flush_frames
        self.on_close = on_close
        self.data_bytes = 0
        self.closed = False
        self._left: dict[int, bytes] = {}
        self._right: dict[int, bytes] = {}
        self._base = 0  # first slot not yet written
        self._top = 0  # one past the highest slot seen
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(self._fd, wav_header(0, self.channels))

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
        os.write(self._fd, data)
        self.data_bytes += len(data)
        os.pwrite(self._fd, wav_header(self.data_bytes, self.channels), 0)
        self._base = upto

    def close(self, *, until: float | None = None) -> Path:
        """Write what is left (silence up to `until`, the call's end, when given); idempotent."""
        if not self.closed:
            end = self._top
            if until is not None:
                end = max(end, round((until - self.start) / FRAME_SECONDS))
            self._write(end)
            os.close(self._fd)
            self.closed = True
            if self.on_close is not None:
                self.on_close(self.path)
        return self.path
