"""Hearing one utterance in a stream of 20 ms telephony frames: 8 kHz → 16 kHz → Silero VAD.

Feed-driven, so the simulator's audio mode and RTP share it: `push()` each received frame (from
the transport's frame sink, synchronously) and `await utterance()`. Time is media time (20 ms per
frame), never the wall clock, so a simulated call in virtual time hears exactly what RTP would.

The Silero model is the one inside faster-whisper's wheel (`assets/silero_vad_v6.onnx`), run with
onnxruntime, one session per process and one recurrent state per stream.
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicebox.errors import MediaError
from voicebox.media.asr import MAX_SECONDS, SILENT_PEAK, Upsampler

FRAME_SECONDS = 0.02
FRAME_BYTES = 320  # 20 ms at 8 kHz, 16-bit
WINDOW = 512  # Silero's window at 16 kHz: 32 ms
WINDOW_SECONDS = WINDOW / 16000
_CONTEXT = 64
SPEECH_ON = 0.5  # a window this likely to be speech starts a word
SPEECH_OFF = 0.35  # below this a word has ended (hysteresis)
_QUIET_PEAK = 0.25  # quieter speech than this peak is raised before the VAD …
_MAX_GAIN = 8.0  # … by at most this much (18 dB)
# Speech shorter than this (two 32 ms windows) is a click. A curt "Three." in a quiet voice can
# hold the VAD over its off threshold for only three windows, and at 0.1 s it was thrown away at
# some alignments of the call's audio to the windows; clicks, pops, DTMF and bursts of hiss
# through μ-law never reach the start threshold at all (measured: docs/speech.md).
MIN_SPEECH = 0.06

_session: Any = None
_session_lock = threading.Lock()


def _vad_session() -> Any:
    global _session
    with _session_lock:
        if _session is None:
            try:
                import faster_whisper
                import onnxruntime
            except ImportError as exc:  # pragma: no cover - pinned dependencies
                raise MediaError(f"the voice activity detector is not installed: {exc}") from exc
            path = os.path.join(os.path.dirname(faster_whisper.__file__), "assets",
                                "silero_vad_v6.onnx")
            options = onnxruntime.SessionOptions()
            options.inter_op_num_threads = 1
            options.intra_op_num_threads = 1
            options.log_severity_level = 4
            _session = onnxruntime.InferenceSession(
                path, providers=["CPUExecutionProvider"], sess_options=options)
        return _session


class VadStream:
    """Speech probability for each 32 ms window of a stream of 8 kHz frames, with level
    normalisation of quiet audio (gain from the loudest frame so far, at most ×8)."""

    __slots__ = ("_buffer", "_c", "_context", "_h", "_peak", "_session", "_up", "windows")

    def __init__(self) -> None:
        self._session = _vad_session()
        self._up = Upsampler()
        self._buffer = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._peak = 0.0
        self.windows = 0

    def gain(self) -> float:
        """×1 for loud audio and for silence (peak below SILENT_PEAK: nothing to raise)."""
        if self._peak < SILENT_PEAK or self._peak >= _QUIET_PEAK:
            return 1.0
        return min(_QUIET_PEAK / self._peak, _MAX_GAIN)

    def push(self, frame: bytes) -> list[float]:
        """The probabilities of the windows this frame completed (zero or one, sometimes two)."""
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32) / 32768.0
        if len(samples):
            self._peak = max(self._peak, float(np.abs(samples).max()))
        self._buffer = np.concatenate([self._buffer, self._up.push(samples * self.gain())])
        probs = []
        while len(self._buffer) >= WINDOW:
            window, self._buffer = self._buffer[:WINDOW], self._buffer[WINDOW:]
            batch = np.concatenate([self._context, window])[None, :]
            out, self._h, self._c = self._session.run(
                None, {"input": batch, "h": self._h, "c": self._c})
            self._context = window[-_CONTEXT:]
            self.windows += 1
            probs.append(float(np.asarray(out).reshape(-1)[0]))
        return probs


@dataclass(frozen=True, slots=True)
class Utterance:
    """One stretch of speech: telephony PCM (with a little lead-in), when it began (seconds of
    media since listening started) and whether it was cut at the 10 s limit."""

    pcm: bytes
    started: float
    seconds: float
    cut: bool = False


class Listener:
    """Waits up to `wait_seconds` for speech to start, then hears one utterance to its end:
    `end_silence` of silence (0.7 s), or the first pause (`immediate`, 0.3 s), or 10 s of speech.

    Returns None (silence) when no speech started in time or the stream ended first.
    """

    LEAD_IN = 0.2  # kept before the detected start, which the VAD reports a little late
    PAUSE = 0.3  # what counts as a pause for `immediate`

    def __init__(self, *, wait_seconds: float = 5.0, end_silence: float = 0.7,
                 immediate: bool = False, max_seconds: float = MAX_SECONDS,
                 min_speech: float = MIN_SPEECH):
        self.wait_seconds = wait_seconds
        self.end_silence = self.PAUSE if immediate else end_silence
        self.max_seconds = max_seconds
        self.min_speech = min_speech
        self._vad = VadStream()
        self._frames: list[bytes] = []
        self._heard = 0.0  # media seconds pushed
        self._start: float | None = None  # when speech began (first window over SPEECH_ON)
        self._speech_windows = 0
        self._quiet_since: float | None = None
        self._in_word = False
        self._dropped = 0  # frames forgotten while waiting for speech
        self._result: Utterance | None = None
        self._done = False
        self._future: asyncio.Future[Utterance | None] | None = None

    @property
    def done(self) -> bool:
        return self._done

    @property
    def speaking(self) -> bool:
        """Speech has started and lasted long enough not to be a click (for barge-in)."""
        return self._start is not None and \
            self._speech_windows * WINDOW_SECONDS >= self.min_speech

    def push(self, frame: bytes) -> None:
        if self._done:
            return
        self._frames.append(frame)
        self._heard += len(frame) / 16000
        probs = self._vad.push(frame)
        first = self._vad.windows - len(probs)
        for index, prob in enumerate(probs):
            self._window(prob, (first + index) * WINDOW_SECONDS)
            if self._done:
                return
        if self._start is None:
            keep = int((self.LEAD_IN + 0.1) / FRAME_SECONDS)
            if len(self._frames) > keep:  # no speech yet: only the lead-in is worth keeping
                self._dropped += len(self._frames) - keep
                del self._frames[:-keep]
            if self._heard >= self.wait_seconds:
                self._finish(None)
        elif self._heard - self._start >= self.max_seconds:
            self._finish(self._cut(cut=True))

    def _window(self, prob: float, at: float) -> None:
        if self._in_word:
            if prob < SPEECH_OFF:
                self._in_word = False
                self._quiet_since = at
        elif prob >= SPEECH_ON:
            self._in_word = True
            self._quiet_since = None
            if self._start is None:
                self._start = at
        if self._in_word:
            self._speech_windows += 1
        elif self._start is not None and self._quiet_since is not None \
                and at + WINDOW_SECONDS - self._quiet_since >= self.end_silence:
            if self._speech_windows * WINDOW_SECONDS < self.min_speech:
                self._start = None  # a click, not speech: keep waiting
                self._speech_windows = 0
                self._quiet_since = None
                return
            self._finish(self._cut())

    def _cut(self, *, cut: bool = False) -> Utterance:
        assert self._start is not None
        first = max(int((self._start - self.LEAD_IN) / FRAME_SECONDS) - self._dropped, 0)
        end = self._heard
        if not cut and self._quiet_since is not None:
            end = min(self._heard, self._quiet_since + 0.2)
        last = max(round(end / FRAME_SECONDS) - self._dropped, first)
        pcm = b"".join(self._frames[first:last])
        return Utterance(pcm, started=(self._dropped + first) * FRAME_SECONDS,
                         seconds=len(pcm) / 16000, cut=cut)

    def finish(self) -> Utterance | None:
        """The stream ended (hangup, or the caller stops listening): what was heard so far."""
        if not self._done:
            self._finish(self._cut() if self._start is not None and
                         self._speech_windows * WINDOW_SECONDS >= self.min_speech else None)
        return self._result

    def _finish(self, result: Utterance | None) -> None:
        self._done = True
        self._result = result
        self._frames = []
        if self._future is not None and not self._future.done():
            self._future.set_result(result)

    async def utterance(self) -> Utterance | None:
        """Wait until the utterance is over (or `wait_seconds` of media passed with no speech)."""
        if self._done:
            return self._result
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        return await self._future
