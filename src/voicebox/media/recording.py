"""One call's recording: what the robot played and what the subscriber sent, each placed at its
offset in the call, written as an 8 kHz WAV (stereo robot/subscriber, or mono mix)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from voicebox.errors import MediaError
from voicebox.media.audio import SAMPLE_RATE, SAMPLE_WIDTH, Pcm, compress, write_wav

Side = Literal["robot", "subscriber"]
SIDES: tuple[Side, ...] = ("robot", "subscriber")
COMPRESSED_FORMATS = ("ogg", "mp3")


@dataclass(slots=True)
class RecordingWriter:
    """Collects audio as the call goes and renders it on `close()`. Holds only references to
    the added buffers (prompts come from the shared TTS cache), so a live call stays cheap.

    Args:
        path: the WAV to write (parent folders are created).
        stereo: robot on the left channel, subscriber on the right; False mixes both to mono.
        compressed: "ogg" (Opus) or "mp3" to also write a compressed copy next to the WAV.
    """

    path: Path
    stereo: bool = True
    compressed: str | None = None
    _segments: list[tuple[int, int, Pcm]] = field(default_factory=list)
    _closed: bool = False
    compressed_path: Path | None = None

    def __post_init__(self) -> None:
        if self.compressed and self.compressed not in COMPRESSED_FORMATS:
            raise MediaError(f"recording format must be one of {COMPRESSED_FORMATS}")

    def add(self, side: Side, pcm: Pcm, at_seconds: float) -> None:
        """Place telephony PCM heard on `side` starting `at_seconds` after the call began."""
        if self._closed:
            raise MediaError("recording already closed")
        if side not in SIDES:
            raise MediaError(f"recording side must be one of {SIDES}, not {side!r}")
        if at_seconds < 0:
            raise MediaError("recording offset must not be negative")
        if pcm:
            self._segments.append((SIDES.index(side), round(at_seconds * SAMPLE_RATE), pcm))

    @property
    def duration(self) -> float:
        """Seconds up to the end of the last segment."""
        return self._length() / SAMPLE_RATE

    def _length(self) -> int:
        return max((start + len(pcm) // SAMPLE_WIDTH for _, start, pcm in self._segments), default=0)

    def render(self, total_seconds: float | None = None) -> tuple[Pcm, int]:
        """(interleaved frames, channels) covering the call, silence where nobody spoke."""
        length = max(self._length(), round((total_seconds or 0) * SAMPLE_RATE))
        tracks = np.zeros((2, length), dtype=np.int32)
        for channel, start, pcm in self._segments:
            samples = np.frombuffer(pcm, dtype="<i2")
            tracks[channel, start : start + samples.size] += samples
        if self.stereo:
            frames, channels = tracks.T, 2
        else:
            frames, channels = tracks.sum(axis=0), 1
        return np.clip(frames, -32768, 32767).astype("<i2").tobytes(), channels

    async def close(self, total_seconds: float | None = None) -> Path:
        """Write the WAV (and the compressed copy when configured); returns the WAV's path.

        Args:
            total_seconds: the call's duration, so the file is as long as the call.
        """
        if self._closed:
            return self.path
        self._closed = True
        frames, channels = await asyncio.to_thread(self.render, total_seconds)
        self._segments.clear()
        await asyncio.to_thread(write_wav, self.path, frames, channels=channels)
        if self.compressed:
            self.compressed_path = await compress(
                self.path, self.path.with_suffix(f".{self.compressed}")
            )
        return self.path
