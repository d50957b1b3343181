"""Voice activity on 20 ms frames: a frame is loud above a fixed level, an utterance starts after
a few loud frames and ends after a stretch of quiet ones. Energy only: cheap enough to run on
every received frame of a thousand calls; the recogniser does the hard part on what it cuts."""

from __future__ import annotations

import numpy as np

SPEECH_RMS = 300.0  # 16-bit units, about -40 dBFS: line noise stays under it, speech does not
_LOUD_SUM = SPEECH_RMS**2 * 160  # the sum of squares of a loud 20 ms frame


def is_loud(frame: bytes) -> bool:
    samples = np.frombuffer(frame, dtype="<i2").astype(np.float32)
    return float(np.dot(samples, samples)) > _LOUD_SUM * (samples.size / 160)


class Vad:
    """Cuts received frames into utterances.

    Args:
        start_frames: loud frames in a row that start speech (60 ms: a click is not speech).
        end_frames: quiet frames in a row that end it (500 ms: pauses between words stay inside).
        max_frames: an utterance is cut after this many frames (15 s) however it goes on.
    """

    __slots__ = ("_frames", "_loud_run", "_quiet_run", "end_frames", "max_frames", "speaking",
                 "start_frames")

    def __init__(self, *, start_frames: int = 3, end_frames: int = 25, max_frames: int = 750):
        self.start_frames = start_frames
        self.end_frames = end_frames
        self.max_frames = max_frames
        self.speaking = False
        self._loud_run = 0
        self._quiet_run = 0
        self._frames: list[bytes] = []

    def feed(self, frame: bytes, loud: bool) -> str | None:
        """"start" when speech begins with this frame, "end" when an utterance is complete."""
        if not self.speaking:
            if not loud:
                self._loud_run = 0
                self._frames.clear()
                return None
            self._loud_run += 1
            self._frames.append(frame)
            if self._loud_run >= self.start_frames:
                self.speaking, self._quiet_run = True, 0
                return "start"
            return None
        self._frames.append(frame)
        self._quiet_run = 0 if loud else self._quiet_run + 1
        if self._quiet_run >= self.end_frames or len(self._frames) >= self.max_frames:
            self.speaking = False
            self._loud_run = 0
            return "end"
        return None

    def reset(self) -> None:
        """Forget a half-heard utterance (a DTMF tone, not speech)."""
        self.speaking = False
        self._loud_run = self._quiet_run = 0
        self._frames.clear()

    def take(self) -> bytes:
        """The audio of the utterance that just ended (trailing silence dropped)."""
        frames = self._frames[: len(self._frames) - self._quiet_run]
        self._frames = []
        self._quiet_run = 0
        return b"".join(frames)
