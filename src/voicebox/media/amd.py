"""Who answered: a person, an answering machine, or an AI call assistant — by listening.

1. Timing as in Asterisk's app_amd, on VAD words: a short greeting then silence is a person;
   dead air is unknown. 2. A long greeting is transcribed (its first 6 s) and matched against
   voicemail and assistant stems, tolerant of misspellings; no match is a person, and a single
   ordinary cue («оставьте», «помощник», "not available") is unknown unless a telling one or a
   second cue joins it (`listens_on`: a greeting cut short by the caller's listening time is
   heard on, up to `total`). 3. A steady tone
   (350–2500 Hz, ≥ 150 ms) is a voicemail beep, also after the timing verdict on a long greeting
   (`awaits_beep`: the listener keeps pushing frames until its time is up, since a voicemail
   greeting can run past the timing window before its beep). A person is never called a robot:
   when unsure the answer is `unknown`.

Feed-driven like `Listener`: `push()` 20 ms frames of 8 kHz PCM, `await result()`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voicebox.config import Settings
from voicebox.media.asr import Recognizer
from voicebox.media.listen import FRAME_SECONDS, SPEECH_OFF, SPEECH_ON, WINDOW_SECONDS, VadStream
from voicebox.text import within_one_edit

HUMAN, MACHINE, ASSISTANT, UNKNOWN = "human", "machine", "assistant", "unknown"
TRANSCRIBED_SECONDS = 6.0
_MIN_WORD = 0.1  # shorter bursts are clicks, not words
_LEAD_FRAMES = 15  # 0.3 s kept before the greeting starts (the VAD reports it late)


@dataclass(frozen=True, slots=True)
class AmdTiming:
    """app_amd's knobs (seconds), from `VOICEBOX_AMD_*`."""

    initial_silence: float = 2.5
    greeting: float = 1.5
    after_greeting_silence: float = 0.8
    max_words: int = 4
    total: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AmdTiming:
        return cls(settings.amd_initial_silence, settings.amd_greeting,
                   settings.amd_after_greeting_silence, settings.amd_max_words,
                   settings.amd_total)


@dataclass(frozen=True, slots=True)
class AmdResult:
    """The verdict: `kind` (human / machine / assistant / unknown), how sure, why (`cause`), and
    when it was reached (`decided_at`, media seconds since listening started; recognition time
    is not counted). `transcript` is what the greeting said, when it was transcribed."""

    kind: str = UNKNOWN
    confidence: float = 0.0
    cause: str = ""
    decided_at: float = 0.0
    transcript: str = ""

    @property
    def is_robot(self) -> bool:
        return self.kind in (MACHINE, ASSISTANT)


# -- beeps ---------------------------------------------------------------------------------

BEEP_LOW, BEEP_HIGH = 350.0, 2500.0
BEEP_SECONDS = 0.15
_BEEP_PURITY = 0.7  # share of the energy in the peak's neighbourhood
_BEEP_FLOOR = 1e-4  # mean square (−40 dBFS): quieter is silence
_WINDOW = np.hanning(320).astype(np.float32)
_FREQS = np.fft.rfftfreq(320, 1 / 8000)


def tone_of(block: np.ndarray) -> float | None:
    """The frequency of `block` (320 samples, 40 ms at 8 kHz, floats) if it is one pure tone."""
    if float(np.mean(block * block)) < _BEEP_FLOOR:
        return None
    power = np.abs(np.fft.rfft(block * _WINDOW)) ** 2
    peak = int(power.argmax())
    share = float(power[max(peak - 2, 0): peak + 3].sum() / (power.sum() + 1e-12))
    freq = float(_FREQS[peak])
    return freq if share >= _BEEP_PURITY and BEEP_LOW <= freq <= BEEP_HIGH else None


class BeepDetector:
    """A steady tone in 350–2500 Hz lasting ≥ 150 ms, frame by frame (20 ms hop, 40 ms window)."""

    __slots__ = ("_freq", "_previous", "_run", "found_at", "frames")

    def __init__(self) -> None:
        self._previous = np.zeros(160, dtype=np.float32)
        self._freq: float | None = None
        self._run = 0
        self.frames = 0
        self.found_at: float | None = None

    def push(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32) / 32768.0
        if len(samples) != 160:
            samples = np.pad(samples, (0, max(160 - len(samples), 0)))[:160]
        block = np.concatenate([self._previous, samples])
        self._previous = samples
        self.frames += 1
        freq = tone_of(block)
        if freq is not None and self._freq is not None and abs(freq - self._freq) <= 50:
            self._run += 1
        else:
            self._run = 1 if freq is not None else 0
        self._freq = freq
        # A 40 ms window over a tone needs one more frame than the tone's length in hops.
        if self.found_at is None and (self._run + 1) * FRAME_SECONDS >= BEEP_SECONDS + 1e-9:
            self.found_at = self.frames * FRAME_SECONDS
        return self.found_at is not None


def has_beep(pcm: bytes) -> bool:
    detector = BeepDetector()
    return any(detector.push(pcm[i:i + 320]) for i in range(0, len(pcm), 320))


# -- greeting words --------------------------------------------------------------------------

# Cues that give a greeting away on their own: a person answering the phone does not say them.
_VOICEMAIL_TELLING = (
    "после сигнала", "после звукового", "автоответчик", "голосов почт", "позвонили по номеру",
    "leave a message", "leave your message", "after the tone", "after the beep", "voicemail",
    "voice mail", "record your message", "you have reached", "you ve reached",
    "the person you are calling", "the number you have dialed",
)
_ASSISTANT_TELLING = (
    "голосов помощник", "голосов помошник", "голосов ассистент", "виртуальн", "state your name",
    "the purpose of your call", "virtual assistant", "voice assistant", "call assistant",
)
# Any other cue could come from a person («оставьте меня в покое», «помощник депутата, слушаю»,
# «сообщение от вас пришло», "I'm not available now"), so it takes two at different words.
_VOICEMAIL = (*_VOICEMAIL_TELLING,
              "оставьте", "оставте", "сообщени", "недоступен", "не может ответить",
              "не могу ответить", "вы позвонили", "абонент", "not available", "unavailable")
_ASSISTANT = (*_ASSISTANT_TELLING,
              "помощник", "помошник", "асистент", "ассистент", "бот", "представьтесь",
              "по какому вопросу", "assistant", "screening")
_TELLING = (*_VOICEMAIL_TELLING, *_ASSISTANT_TELLING)
ONE_CUE, NO_CUE = "one_cue", "no_machine_words"


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w]+", " ", text.lower().replace("ё", "е")).split()


def _word_is(stem: str, word: str) -> bool:
    """`word` begins with `stem`, or with one typo when the stem has five letters or more; a
    shorter stem is a whole word («бот», never «Боткин»)."""
    if len(stem) < 5:
        return word == stem
    return word.startswith(stem) or any(
        within_one_edit(word[:size], stem) for size in (len(stem) - 1, len(stem), len(stem) + 1))


def _cue_at(stem: str, words: list[str]) -> int | None:
    """Where `stem` (one or more words, each a prefix: «голосов почт» is «голосовая почта»)
    first occurs in `words`."""
    parts = stem.split()
    if len(parts) == 1:
        return next((i for i, word in enumerate(words) if _word_is(stem, word)), None)
    for start in range(len(words) - len(parts) + 1):
        if all(word.startswith(part) for part, word in zip(parts, words[start:], strict=False)):
            return start
    return None


def classify_greeting(text: str) -> tuple[str, str]:
    """(kind, cause) from what a long greeting said: assistant or voicemail when a telling cue or
    two cues at different words say so (assistant cues first), a person when none does, and
    unknown (`one_cue`) on a single ordinary cue."""
    words = _words(text)
    at = {stem: place for stem in (*_ASSISTANT, *_VOICEMAIL)
          if (place := _cue_at(stem, words)) is not None}
    if not at:
        return HUMAN, NO_CUE
    kind = ASSISTANT if any(stem in at for stem in _ASSISTANT) else MACHINE
    if len(set(at.values())) < 2 and not any(stem in at for stem in _TELLING):
        return UNKNOWN, ONE_CUE
    return kind, "assistant_words" if kind == ASSISTANT else "voicemail_words"


# -- the detector ------------------------------------------------------------------------------


class MachineDetector:
    """Timing first, then (for a long greeting) the greeting's words; a beep wins at any time."""

    def __init__(self, timing: AmdTiming | None = None, *, recognizer: Recognizer | None = None,
                 language: str = "ru", hints: Sequence[str] = ()):
        self.timing = timing or AmdTiming()
        self.recognizer = recognizer
        self.language = language
        self.hints = tuple(hints)
        self._vad = VadStream()
        self._beep = BeepDetector()
        self._frames: list[bytes] = []
        self._heard = 0.0
        self._in_word = False
        self._word_start = 0.0
        self._words = 0
        self._greeting_start: float | None = None
        self._quiet_since = 0.0
        self._long: str | None = None  # why the greeting counts as long
        self._timing: AmdResult | None = None
        self._forced = False  # the verdict came from `finish()`, not from the timing
        self._future: asyncio.Future[AmdResult] | None = None

    @property
    def done(self) -> bool:
        return self._timing is not None

    @property
    def beeped(self) -> bool:
        return self._beep.found_at is not None

    def awaits_beep(self, verdict: AmdResult) -> bool:
        """A long greeting whose words did not give it away may still end in a beep."""
        return self._long is not None and not verdict.is_robot and not self.beeped

    def with_beep(self, verdict: AmdResult) -> AmdResult:
        """`verdict`, overruled by a beep heard after it."""
        if not self.beeped or verdict.is_robot:
            return verdict
        assert self._beep.found_at is not None
        return AmdResult(MACHINE, 0.95, "beep", self._beep.found_at, verdict.transcript)

    def push(self, frame: bytes) -> None:
        if self._timing is not None and not self._greeting_going():
            if self._long is not None and not self.beeped:
                self._beep.push(frame)  # a voicemail's beep can follow its long greeting
            return
        self._heard += len(frame) / 16000
        self._frames.append(frame)
        if self._greeting_start is None and len(self._frames) > _LEAD_FRAMES:
            del self._frames[:-_LEAD_FRAMES]  # before the greeting only a lead-in is kept
        if self._beep.push(frame):
            self._decide(AmdResult(MACHINE, 0.95, "beep", self._heard))
            return
        probs = self._vad.push(frame)
        first = self._vad.windows - len(probs)
        for index, prob in enumerate(probs):
            self._window(prob, (first + index) * WINDOW_SECONDS)
            if self._timing is not None:
                return
        self._clock()

    def _window(self, prob: float, at: float) -> None:
        if not self._in_word and prob >= SPEECH_ON:
            self._in_word = True
            self._word_start = at
            if self._greeting_start is None:
                self._greeting_start = at
        elif self._in_word and prob < SPEECH_OFF:
            self._in_word = False
            self._quiet_since = at
            if at - self._word_start >= _MIN_WORD:
                self._words += 1
                if self._words > self.timing.max_words and self._long is None:
                    self._long = "max_words"

    def _clock(self) -> None:
        t = self.timing
        now = self._heard
        if self._greeting_start is None:
            if now >= t.initial_silence:
                self._decide(AmdResult(UNKNOWN, 0.0, "silence", now))
            return
        greeting = (self._quiet_since if not self._in_word else now) - self._greeting_start
        silent = 0.0 if self._in_word else now - self._quiet_since
        if self._long is None and greeting > t.greeting:
            self._long = "long_greeting"
        if self._long is None:
            if silent >= t.after_greeting_silence:
                self._decide(AmdResult(HUMAN, 0.8, "short_greeting", now))
            elif now >= t.total:
                self._decide(AmdResult(UNKNOWN, 0.0, "total", now))
            return
        # A long greeting: keep it (up to 6 s) for its words, unless it ends first.
        if silent >= t.after_greeting_silence or \
                now - self._greeting_start >= TRANSCRIBED_SECONDS:
            self._decide(AmdResult(UNKNOWN, 0.0, self._long, now))

    def _greeting_going(self) -> bool:
        """A long greeting is still kept after a verdict, up to `TRANSCRIBED_SECONDS`, in case
        its words so far were not enough (`listens_on`)."""
        return self._long is not None and self._greeting_start is not None and \
            self._heard - self._greeting_start < TRANSCRIBED_SECONDS

    def listens_on(self, verdict: AmdResult) -> bool:
        """The caller's listening time cut a long greeting that named one ordinary cue or none
        (Festival's «абонента» read «а бы не так»): worth hearing more of it (`resume`) before
        saying unknown or a person. Whoever it is was still talking, so this waits on nobody."""
        return verdict.cause in (ONE_CUE, NO_CUE) and self._forced and self._greeting_going()

    def resume(self) -> None:
        """Take back the verdict and go on listening (what came meanwhile was kept)."""
        self._timing = None
        self._future = None
        self._forced = False

    def _decide(self, verdict: AmdResult) -> None:
        if self._timing is not None:
            return  # still hearing a long greeting out after the verdict
        self._timing = verdict
        if self._future is not None and not self._future.done():
            self._future.set_result(verdict)

    def finish(self) -> None:
        """The stream ended (hangup, or the caller's time is up): decide with what was heard."""
        if self._timing is None:
            cause = self._long or ("silence" if self._greeting_start is None else "total")
            self._forced = True
            self._decide(AmdResult(UNKNOWN, 0.0, cause, self._heard))

    async def result(self) -> AmdResult:
        """The verdict; a long greeting is transcribed first (recognition time not counted)."""
        if self._timing is None:
            if self._future is None:
                self._future = asyncio.get_running_loop().create_future()
            await self._future
        verdict = self._timing
        assert verdict is not None
        if verdict.kind != UNKNOWN or self._long is None or self.recognizer is None:
            return verdict
        pcm = b"".join(self._frames)[: int(TRANSCRIBED_SECONDS * 16000)]
        heard = await self.recognizer.transcribe(pcm, language=self.language, hints=self.hints)
        if not heard.text:
            return verdict
        kind, cause = classify_greeting(heard.text)
        confidence = {HUMAN: 0.6, UNKNOWN: 0.0}.get(kind, 0.9)
        return AmdResult(kind, confidence, cause, verdict.decided_at, heard.text)
