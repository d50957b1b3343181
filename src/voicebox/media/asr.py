"""Speech to text for one utterance: the `Recognizer` protocol, Whisper and null implementations,
and the process-wide `RecognitionService` that bounds how much recognition may wait.

Decoding recipe (measured on 2 cores, docs/speech.md): int8, language forced, features of 10 s
(1000 frames) instead of Whisper's 30 s, beam 5 with the hints as a `<|startofprev|>` prompt,
the 5-best list kept, and text dropped when Whisper thinks there was no speech. An answer to a
digit question is heard at three speeds and the n-best lists pooled.

Expected digits are prompted as one-word sentences in a scrambled order («Семь. Два. Девять. …»),
not as the list «один, два, три, …»: a list makes Whisper continue it ("two" came back as
"three, four, five, six, seven, eight") and reads lone digits as other words ("eight" → "Hey").
Readings that spell the same number («Два.», «2», «два») or differ only in case, punctuation,
ё/е or spacing («не интересно», «Неинтересно.») count as one in the n-best list; the IVR pools
further by meaning (engine/matching.py `pooled_confidence`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from voicebox.config import Settings
from voicebox.errors import MediaError
from voicebox.media import digit_rescue
from voicebox.media.audio import Pcm
from voicebox.scenario_language.keywords import (
    DIGIT_HINTS,
    DIGIT_WORDS,
    noise_word,
    normalize,
    spoken_digits,
)

log = logging.getLogger(__name__)

RATE = 16000  # what Whisper and Silero VAD take
MAX_SECONDS = 10.0  # speech past this is cut; Whisper sees 10 s of features
_FRAMES = 1000  # mel frames in 10 s
_PROMPT_TOKENS = 200
_MAX_TOKENS = 64  # an answer is short; a runaway decode stops here
_MAX_COMPRESSION = 2.4  # a reading more repetitive than this is a decoding loop, dropped
# The order expected digits are prompted in: never a run up or down, so not a list to continue.
_DIGIT_ORDER = "7294105836"
# An answer to a digit question is also heard played 0.9 and 1.1 times as fast (tempo and pitch
# together, as speed perturbation in training does) and the three n-best lists are pooled: a
# voice that loses a digit's first consonant at one speed often keeps it at another, and a
# non-number answer rarely turns into the same digit at all three (bench/asr.py, docs/speech.md).
_DIGIT_SPEEDS = (0.9, 1.1)
# Below this peak (about −48 dBFS) a clip is silence: not decoded at all, since under a digit
# prompt Whisper reads pure silence as a digit ("Eight." at 0.49, no-speech 0.54).
SILENT_PEAK = 0.004
# Whisper's well-known inventions on noise and silence (subtitle credits and the like).
_HALLUCINATIONS = (
    "субтитр", "продолжение следует", "редактор субтитров", "спасибо за просмотр",
    "thank you for watching", "thanks for watching", "subtitles by", "amara.org",
)


@dataclass(frozen=True, slots=True)
class Transcript:
    """What a recogniser made of one utterance; empty `text` means nothing understood.

    `alternatives` is the n-best list as (text, weight) with weights summing to 1 (the top one
    first); `no_speech` Whisper's no-speech probability; `seconds` the decoding time;
    `overload` says the request waited too long for a worker and was not decoded.
    """

    text: str = ""
    confidence: float = 0.0
    language: str = ""
    alternatives: tuple[tuple[str, float], ...] = ()
    no_speech: float = 0.0
    seconds: float = 0.0
    overload: bool = False


NOTHING = Transcript()


@runtime_checkable
class Recognizer(Protocol):
    """Speech to text for one utterance of telephony PCM (8 kHz mono 16-bit, cut by the VAD).
    Implementations never block the event loop."""

    name: str

    async def start(self) -> None:
        """Load the model; raises `MediaError` when it cannot be loaded."""
        ...

    async def transcribe(
        self, pcm: Pcm, *, language: str = "ru", hints: Sequence[str] = ()
    ) -> Transcript:
        """Transcribe `pcm` in `language`, biased towards `hints` (expected words and phrases).

        Raises:
            MediaError: the recogniser failed (callers treat it as nothing understood).
        """
        ...

    async def close(self) -> None: ...


class NullRecognizer:
    """`VOICEBOX_ASR=off`: hears nothing, so speech counts as no input."""

    name = "off"

    async def start(self) -> None:
        return None

    async def transcribe(
        self, pcm: Pcm, *, language: str = "ru", hints: Sequence[str] = ()
    ) -> Transcript:
        return replace(NOTHING, language=language)

    async def close(self) -> None:
        return None


def _half_band(taps: int = 63) -> np.ndarray:
    n = np.arange(taps) - (taps - 1) / 2
    return (np.sinc(n / 2) * np.kaiser(taps, 8.0)).astype(np.float32)


_KERNEL = _half_band()


class Upsampler:
    """8 kHz → 16 kHz, chunk by chunk (zero-stuffing and a half-band low-pass), keeping the
    filter's history between chunks so a stream of 20 ms frames comes out seamless."""

    __slots__ = ("_history",)

    def __init__(self) -> None:
        self._history = np.zeros(len(_KERNEL) - 1, dtype=np.float32)

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Float samples at 8 kHz → twice as many at 16 kHz."""
        stuffed = np.zeros(2 * len(samples), dtype=np.float32)
        stuffed[::2] = samples
        padded = np.concatenate([self._history, stuffed])
        self._history = padded[len(padded) - len(self._history):]
        return np.convolve(padded, _KERNEL, mode="valid").astype(np.float32)


def to_16k(pcm: Pcm) -> np.ndarray:
    """Telephony PCM → float samples at 16 kHz in [-1, 1]."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    delay = (len(_KERNEL) - 1) // 2  # output samples the filter lags by
    tail = np.zeros(delay // 2 + 1, dtype=np.float32)
    return Upsampler().push(np.concatenate([samples, tail]))[delay: delay + 2 * len(samples)]


def played_at(audio: np.ndarray, factor: float) -> np.ndarray:
    """`audio` played `factor` times as fast, tempo and pitch together (linear interpolation)."""
    length = int(len(audio) / factor)
    played = np.interp(np.arange(length) * factor, np.arange(len(audio)), audio)
    return np.asarray(played, dtype=np.float32)


def weights(scores: Sequence[float]) -> list[float]:
    """Softmax of hypothesis log-likelihoods."""
    if not scores:
        return []
    top = max(scores)
    exp = [math.exp(score - top) for score in scores]
    total = sum(exp)
    return [value / total for value in exp]


def _key(text: str) -> str:
    """Case, punctuation and ё/е folded, so «Да.» and «да» count as one hypothesis."""
    return normalize(text)


def _fold(key: str) -> str:
    """The n-best list's folding key: the number a reading spells («Два.», «2», «два»), else its
    words without spaces, so fused and split spellings («неинтересно», «не интересно») count
    as one reading instead of splitting its weight."""
    return spoken_digits(key) or key.replace(" ", "")


def _hallucinated(text: str) -> bool:
    """Whisper's inventions: no letters, subtitle credits, or a sound description in capitals
    («ТРЕВОЖНАЯ МУЗЫКА», «[Music]»)."""
    lower = text.lower()
    letters = [ch for ch in text if ch.isalpha()]
    shouting = len(letters) > 3 and all(ch.isupper() for ch in letters)
    described = text.strip().startswith(("[", "("))
    return (not any(ch.isalnum() for ch in text) or shouting or described
            or any(h in lower for h in _HALLUCINATIONS))


def _runaway(text: str) -> bool:
    """A decode stuck in a loop («нет, нет, нет, нет, нет, нет, …»): its text compresses more than
    2.4 times, Whisper's own threshold for a repetitive hypothesis. A real answer is short and
    compresses about 1:1, so it never trips this."""
    data = text.encode()
    return len(data) > 24 and len(data) / len(zlib.compress(data)) > _MAX_COMPRESSION


@dataclass
class WhisperRecognizer:
    """Whisper base through CTranslate2 (int8); one model shared by `workers` decoding threads."""

    model_dir: Path
    threads: int = 2
    workers: int = 1
    beam: int = 5
    name: str = "whisper"
    _model: Any = field(default=None, init=False, repr=False)
    _tokenizers: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _loading: asyncio.Lock | None = field(default=None, init=False, repr=False)
    _failure: MediaError | None = field(default=None, init=False, repr=False)

    async def start(self) -> None:
        """Assemble (first start only) and load the model; a failure is remembered."""
        if self._model is not None:
            return
        if self._failure is not None:
            raise self._failure
        if self._loading is None:
            self._loading = asyncio.Lock()
        async with self._loading:
            if self._model is None and self._failure is None:
                try:
                    await asyncio.get_running_loop().run_in_executor(None, self.load)
                except MediaError as exc:
                    self._failure = exc
        if self._failure is not None:
            raise self._failure

    def load(self) -> None:
        from voicebox.media.models import ensure_whisper_base

        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:  # pragma: no cover - the wheel is a pinned dependency
            raise MediaError(f"faster-whisper is not installed: {exc}") from exc
        try:
            path = ensure_whisper_base(self.model_dir)
        except OSError as exc:
            raise MediaError(f"cannot assemble the Whisper model in {self.model_dir}: {exc}") \
                from exc
        try:
            self._model = WhisperModel(
                str(path), device="cpu", compute_type="int8",
                cpu_threads=self.threads, num_workers=self.workers, local_files_only=True,
            )
        except Exception as exc:
            raise MediaError(f"cannot load the Whisper model from {self.model_dir}: {exc}") from exc

    async def transcribe(
        self, pcm: Pcm, *, language: str = "ru", hints: Sequence[str] = ()
    ) -> Transcript:
        if self._model is None:
            await self.start()  # the first utterance loads the model
        # The loop's default executor: a virtual clock knows work is running there and waits.
        return await asyncio.get_running_loop().run_in_executor(
            None, self.decode, pcm, language, tuple(hints))

    async def close(self) -> None:
        self._model = None

    # -- the blocking part, run in a worker thread ---------------------------------------------

    def tokenizer(self, language: str) -> Any:
        tok = self._tokenizers.get(language)
        if tok is None:
            from faster_whisper.tokenizer import Tokenizer

            tok = self._tokenizers[language] = Tokenizer(
                self._model.hf_tokenizer, True, task="transcribe", language=language)
        return tok

    def features(self, *clips: np.ndarray) -> Any:
        """The 10 s log-mel features of each 16 kHz clip (padded with silence or cut), as one
        StorageView batch."""
        import ctranslate2

        batch = []
        for clip in clips:
            audio = np.pad(clip[: int(MAX_SECONDS * RATE)],
                           (0, max(0, int(MAX_SECONDS * RATE) - len(clip))))
            feats = self._model.feature_extractor(audio, padding=0)[:, :_FRAMES]
            if feats.shape[1] < _FRAMES:
                feats = np.pad(feats, ((0, 0), (0, _FRAMES - feats.shape[1])), mode="edge")
            batch.append(feats)
        return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(batch), np.float32))

    def prompt(self, language: str, hints: Sequence[str]) -> list[int]:
        tok = self.tokenizer(language)
        prompt: list[int] = []
        text = prompt_text(language, hints)
        if text:
            prompt = [tok.sot_prev, *tok.encode(" " + text)[-_PROMPT_TOKENS:]]
        return [*prompt, *tok.sot_sequence, tok.no_timestamps]

    def decode(self, pcm: Pcm, language: str, hints: Sequence[str] = ()) -> Transcript:
        if self._model is None:
            raise MediaError("the recogniser is not started")
        started = time.perf_counter()
        tok = self.tokenizer(language)
        audio = to_16k(pcm)
        if not len(audio) or float(np.abs(audio).max()) < SILENT_PEAK:
            return Transcript(language=language, no_speech=1.0,
                              seconds=time.perf_counter() - started)
        digits = digit_rescue.expects_digits(language, hints)
        clips = [audio, *(played_at(audio, factor) for factor in _DIGIT_SPEEDS)] if digits \
            else [audio]
        encoded = self._model.model.encode(self.features(*clips), to_cpu=False)
        prompt = self.prompt(language, hints)
        results = self._model.model.generate(
            encoded, [prompt] * len(clips), beam_size=self.beam, num_hypotheses=self.beam,
            return_scores=True, return_no_speech_prob=True,
            max_length=min(len(prompt) + _MAX_TOKENS, 448),  # the prompt counts in the length
            suppress_blank=True,
        )
        heard = _pooled([self._readings(result, tok, language) for result in results])
        if heard.text and digits and noise_word(heard.text):
            heard = self.rescue_digit(encoded, prompt, heard)
        return replace(heard, seconds=time.perf_counter() - started)

    @staticmethod
    def _readings(result: Any, tok: Any, language: str) -> Transcript:
        """One clip's n-best list as a transcript."""
        texts: list[str | None] = []
        logliks, means = [], []
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            tokens = [t for t in ids if t < tok.eot]
            # A hypothesis still going at the length limit is a runaway, not an answer.
            texts.append(None if len(tokens) >= _MAX_TOKENS else tok.decode(tokens).strip())
            logliks.append(score * (len(tokens) + 1))  # scores are per-token means
            means.append(score)
        return _transcript(texts, logliks, means, result.no_speech_prob, language, 0.0)

    def rescue_digit(self, encoded: Any, prompt: list[int], heard: Transcript) -> Transcript:
        """`heard` with its meaningless top reading replaced by the digit word that explains the
        audio nearly as well (media/digit_rescue.py), or unchanged. Runs only for such readings,
        so most utterances decode once."""
        words = digit_rescue.candidates(heard.language)
        scores = self.likelihoods(encoded, prompt, heard.language, [*words, heard.text])
        digit = digit_rescue.rescue(scores[-1], list(zip(words, scores[:-1], strict=True)),
                                    digit_rescue.listed_digit(heard.alternatives))
        if digit is None:
            return heard
        return _ranked(heard, [(digit, heard.confidence), *heard.alternatives[1:]])

    def score(self, pcm: Pcm, language: str, candidates: Sequence[str],
              hints: Sequence[str] = ()) -> list[float]:
        """Teacher-forced log-likelihood of each candidate answer given the audio, with the hints'
        prompt (bench/asr.py compares closed-set scoring with free decoding)."""
        if self._model is None:
            raise MediaError("the recogniser is not started")
        encoded = self._model.model.encode(self.features(to_16k(pcm)), to_cpu=True)
        return self.likelihoods(encoded, self.prompt(language, hints), language, candidates)

    def likelihoods(self, encoded: Any, prompt: list[int], language: str,
                    candidates: Sequence[str]) -> list[float]:
        """The summed log probability of each candidate's tokens after `prompt`, the audio
        encoded once and the candidates decoded as one batch (the end token is not scored:
        `align()` does not report its probability)."""
        import ctranslate2

        if not candidates:
            return []
        tok = self.tokenizer(language)
        forms = [[*tok.encode(" " + text.strip()[:1].upper() + text.strip()[1:]), tok.eot]
                 for text in candidates]
        first = np.array(encoded)[:1]  # the clip as heard, not its speed-changed copies
        batch = ctranslate2.StorageView.from_array(
            np.ascontiguousarray(np.repeat(first, len(forms), axis=0)))
        results = self._model.model.align(batch, prompt, forms, [_FRAMES] * len(forms))
        return [sum(math.log(max(p, 1e-9)) for p in list(result.text_token_probs)[:-1])
                for result in results]


def prompt_text(language: str, hints: Sequence[str]) -> str:
    """The hints as the text Whisper takes for what was said before: the phrases joined by
    commas, then the expected digit words (when at least three are) as one-word sentences in
    `_DIGIT_ORDER`."""
    phrases = [hint.strip() for hint in hints if hint and hint.strip()]
    known = set(DIGIT_HINTS.get(language, ()))
    digits = [p for p in phrases if p.lower() in known]
    if len(digits) < 3:
        return ", ".join(phrases)
    others = [p for p in phrases if p.lower() not in known]
    digits.sort(key=lambda word: _DIGIT_ORDER.index(DIGIT_WORDS[word.lower()]))
    sentences = " ".join(word[:1].upper() + word[1:].lower() + "." for word in digits)
    return f"{', '.join(others)}. {sentences}" if others else sentences


def _transcript(
    texts: Sequence[str | None], logliks: list[float], means: list[float], no_speech: float,
    language: str, seconds: float,
) -> Transcript:
    """The n-best list folded by text (readings spelling the same number fold together); the
    text with the most weight wins and its weight is the confidence. Runaway readings (a loop,
    or None: still going at the length limit) are dropped before the weights are shared out. Nothing
    when Whisper thinks there was no speech."""
    silent = Transcript(language=language, no_speech=round(no_speech, 4), seconds=seconds)
    if not texts or no_speech > 0.7 or (no_speech > 0.55 and means[0] < -0.5):
        return silent
    # A loop is the beam search failing, not a reading of the audio: it takes no weight.
    # (An invention on noise does: its weight is doubt about everything else.)
    kept = [(text, loglik) for text, loglik in zip(texts, logliks, strict=True)
            if text is not None and not _runaway(text)]
    merged: dict[str, list[Any]] = {}
    for (said, _), weight in zip(kept, weights([loglik for _, loglik in kept]), strict=True):
        text = digit_rescue.stutter(said) or said  # «Девять. Девять.» is «Девять.» said once
        key = _key(text)
        if not key or _hallucinated(text):
            continue
        entry = merged.setdefault(_fold(key), [text.strip(), 0.0])
        entry[1] += weight
    if not merged:
        return silent
    ranked = sorted(merged.values(), key=lambda entry: -entry[1])
    alternatives = tuple((text, round(weight, 4)) for text, weight in ranked)
    best, confidence = alternatives[0]
    return Transcript(
        text=best, confidence=confidence, language=language, alternatives=alternatives,
        no_speech=round(no_speech, 4), seconds=seconds,
    )


def _ranked(heard: Transcript, readings: Sequence[tuple[str, float]]) -> Transcript:
    """`heard` with `readings` folded (one entry per number or spelling, weights summed) and
    ranked: the heaviest is the text, its weight the confidence."""
    merged: dict[str, list[Any]] = {}
    for text, weight in readings:
        entry = merged.setdefault(_fold(_key(text)), [text, 0.0])
        entry[1] += weight
    ranked = sorted(((text, round(weight, 4)) for text, weight in merged.values()),
                    key=lambda item: -item[1])
    if not ranked:
        return replace(heard, text="", confidence=0.0, alternatives=())
    return replace(heard, text=ranked[0][0], confidence=ranked[0][1], alternatives=tuple(ranked))


def _pooled(heard: Sequence[Transcript]) -> Transcript:
    """The first transcript (the clip as heard) with the n-best lists of all of them pooled:
    each reading's weight averaged over the clips (a clip that heard nothing adds none). When the
    clip as heard is silent, so is the result: speed-changed copies of noise must not invent an
    answer."""
    first = heard[0]
    if len(heard) == 1 or not first.text:
        return first
    readings = [(text, weight / len(heard)) for one in heard for text, weight in one.alternatives]
    return _ranked(first, readings)


class RecognitionService:
    """The process's recogniser behind a bounded queue (a `Recognizer` itself).

    At most `workers` utterances decode at once and `queue` more may wait; one that finds the
    queue full, or waits longer than `timeout`, comes back empty and marked `overload` (counts as
    no input). While the queue is full, `busy` is true and the dialer claims no new calls.
    A recogniser failure is logged and comes back empty.
    """

    def __init__(self, recognizer: Recognizer, *, workers: int = 1, queue: int = 8,
                 timeout: float = 3.0):
        self.recognizer = recognizer
        self.name = recognizer.name
        self.queue = queue
        self.timeout = timeout
        self._slots = asyncio.Semaphore(workers)
        self._waiting = 0

    @property
    def enabled(self) -> bool:
        return not isinstance(self.recognizer, NullRecognizer)

    @property
    def busy(self) -> bool:
        return self._waiting >= self.queue

    async def start(self) -> None:
        await self.recognizer.start()

    async def close(self) -> None:
        await self.recognizer.close()

    async def transcribe(
        self, pcm: Pcm, *, language: str = "ru", hints: Sequence[str] = ()
    ) -> Transcript:
        overload = Transcript(language=language, overload=True)
        if not self._slots.locked():
            await self._slots.acquire()  # a free worker: no wait
        elif self.busy:
            return overload
        else:
            self._waiting += 1
            try:
                await asyncio.wait_for(self._slots.acquire(), self.timeout)
            except TimeoutError:
                return overload
            finally:
                self._waiting -= 1
        try:
            return await self.recognizer.transcribe(pcm, language=language, hints=hints)
        except MediaError as exc:
            log.warning("recognition failed, counted as no input: %s", exc)
            return replace(NOTHING, language=language)
        except Exception:
            log.exception("recognition failed, counted as no input")
            return replace(NOTHING, language=language)
        finally:
            self._slots.release()


def model_dir(settings: Settings) -> Path:
    return settings.asr_model_dir or settings.data_dir / "models" / "whisper-base"


def build_recognizer(settings: Settings) -> Recognizer:
    """The configured recogniser, not loaded yet (the model is assembled and loaded by
    `start()`, or by the first utterance)."""
    if settings.asr.lower() == "off":
        return NullRecognizer()
    if settings.asr.lower() != "whisper":
        raise MediaError(f"unknown VOICEBOX_ASR {settings.asr!r}: use whisper or off")
    return WhisperRecognizer(model_dir(settings), threads=settings.asr_threads,
                             workers=settings.asr_workers, beam=settings.asr_beam)


def service_for(settings: Settings, recognizer: Recognizer | None = None) -> RecognitionService:
    return RecognitionService(recognizer or build_recognizer(settings),
                              workers=settings.asr_workers, queue=settings.asr_queue,
                              timeout=settings.asr_timeout)


_process_service: RecognitionService | None = None


def recognition_service(settings: Settings) -> RecognitionService:
    """The process's one recognition service (its model loads on first use, so a process that
    never hears speech never loads it)."""
    global _process_service
    if _process_service is None:
        _process_service = service_for(settings)
    return _process_service


async def start_service(settings: Settings) -> RecognitionService:
    """Build and start a recognition service now: a missing or broken model logs and falls
    back to off, unless `asr_strict`, which raises `MediaError`."""
    recognizer = build_recognizer(settings)
    try:
        await recognizer.start()
    except MediaError as exc:
        if settings.asr_strict:
            raise MediaError(f"speech recognition unavailable: {exc}") from exc
        log.warning("speech recognition off: %s", exc)
        recognizer = NullRecognizer()
    return service_for(settings, recognizer)
