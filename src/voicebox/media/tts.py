"""`SpeechService`: picks a TTS engine per language and `settings.voice`, falls back when an
engine is missing or fails, and caches every prompt on disk (docs/speech.md has the table)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import Any

from voicebox.errors import MediaError
from voicebox.media.audio import Pcm, read_prompt
from voicebox.media.base import SpeechSettings, SpeechSynthesizer, StreamingSynthesizer
from voicebox.media.cache import PromptCache
from voicebox.media.yandex import VOICES as YANDEX_VOICES
from voicebox.storage import Storage, open_storage
from voicebox.storage.local import is_folder
from voicebox.text import clean_text, detect_language

log = logging.getLogger(__name__)

# Offline order per language; a cloud engine, when configured, goes first for SpeechKit voices.
DEFAULT_ORDER: dict[str, tuple[str, ...]] = {
    "ru": ("festival", "espeak"),
    "en": ("piper", "espeak"),
}
ENGINE_ALIASES = {"espeak-ng": "espeak", "festvox": "festival"}
CACHE_VERSION = "1"  # bump when post-processing changes, so old prompts are not reused
# Longest prompt spoken (about 5 minutes): variables filled in from clients (abonent columns,
# /v1/sb data) must not make a synthesiser produce hours of audio in memory.
MAX_PROMPT_CHARS = 4000


class SpeechService:
    """Text → cached telephony WAV. Safe to share between all calls of a process."""

    def __init__(
        self,
        engines: Sequence[SpeechSynthesizer],
        *,
        cache_dir: Path,
        order: Mapping[str, Sequence[str]] | None = None,
        strict: bool = False,
        storage: Storage | None = None,
    ):
        self.engines = {engine.name: engine for engine in engines}
        self.order = {lang: tuple(names) for lang, names in (order or DEFAULT_ORDER).items()}
        self.cache = PromptCache(cache_dir, storage=storage)
        self.strict = strict
        self.available: dict[str, SpeechSynthesizer] = {}
        self.missing: dict[str, str] = {}
        self._started = False
        self._start_lock = asyncio.Lock()

    async def start(self) -> None:
        """Start every engine; an unusable one is skipped (logged) unless `strict`. MediaError if
        a language ends up with no engine at all. Idempotent."""
        async with self._start_lock:
            if not self._started:
                await self._start()

    async def _start(self) -> None:
        results = await asyncio.gather(
            *(engine.start() for engine in self.engines.values()), return_exceptions=True
        )
        for engine, result in zip(self.engines.values(), results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, MediaError) or self.strict:
                    raise result
                self.missing[engine.name] = result.message
                log.warning("%s; falling back to other engines", result.message)
            else:
                self.available[engine.name] = engine
        for language in self.order:
            if not self._candidates(SpeechSettings(), language):
                reasons = "; ".join(self.missing.values()) or "no engine configured"
                raise MediaError(f"no TTS engine can speak {language!r}: {reasons}", name="tts")
        self._started = True

    def _candidates(self, settings: SpeechSettings, language: str) -> list[SpeechSynthesizer]:
        named = ENGINE_ALIASES.get(head := settings.voice.partition(":")[0], head)
        names: list[str] = []
        if named in self.engines:
            names.append(named)
        elif settings.voice in YANDEX_VOICES:
            names.append("yandex")
        names += self.order.get(language, ())
        names += [name for name in self.engines if name not in names]
        picked: list[SpeechSynthesizer] = []
        for name in dict.fromkeys(names):
            engine = self.available.get(name)
            if engine is not None and language in engine.languages:
                picked.append(engine)
        return picked

    def pick(self, settings: Any = None, language: str = "ru") -> SpeechSynthesizer:
        """The engine that would speak `language` with `settings` (before any fallback)."""
        candidates = self._candidates(SpeechSettings.of(settings), language)
        if not candidates:
            raise MediaError(f"no TTS engine can speak {language!r}", name="tts")
        return candidates[0]

    async def synthesize(
        self, text: str, settings: Any = None, *, language: str | None = None
    ) -> Path:
        """Speak `text` with a scenario's `settings` (a `SpeechSettings`, dict, scenario
        `Settings` or telephony `Voice`) and return the cached 8 kHz mono WAV.

        Args:
            language: "ru" or "en"; detected from the text when omitted.
        Raises:
            MediaError: every engine able to speak the language failed.
        """
        text, speech, language = await self._prompt(text, settings, language)
        errors: list[str] = []
        for engine in self._candidates(speech, language):
            key = PromptCache.key(CACHE_VERSION, engine.cache_key(speech, language), language, text)
            try:
                return await self.cache.get_or_create(
                    key, functools.partial(engine.synthesize, text, speech, language)
                )
            except MediaError as exc:  # a failing engine must not end the call: try the next
                log.warning("TTS %s failed, trying the next engine: %s", engine.name, exc.message)
                errors.append(f"{engine.name}: {exc.message}")
        raise MediaError(f"speech synthesis failed ({'; '.join(errors) or 'no engine'})", name="tts")

    async def _prompt(self, text: str, settings: Any, language: str | None
                      ) -> tuple[str, SpeechSettings, str]:
        """The text as spoken and cached, its settings and language; MediaError if unspeakable."""
        if not self._started:
            await self.start()
        language = language or detect_language(text)
        # Lone surrogates and NUL (from any variable) cannot be hashed, cached or spoken.
        text = " ".join(clean_text(text).split())
        if not text:
            raise MediaError("nothing to say: the prompt text is empty", name="tts")
        if len(text) > MAX_PROMPT_CHARS:
            raise MediaError(f"the prompt is {len(text)} characters long; at most "
                             f"{MAX_PROMPT_CHARS} are spoken", name="tts")
        return text, SpeechSettings.of(settings), language

    async def stream(
        self, text: str, settings: Any = None, *, language: str | None = None
    ) -> AsyncGenerator[Pcm, None]:
        """`synthesize` as telephony PCM pieces for a player: a cached prompt comes in one
        piece; an uncached one from an engine that can stream comes as the engine speaks (and
        is cached once complete; closing the iterator early caches nothing); other engines
        render it whole first. An engine failing before its first piece falls back to the
        next one; a failure after it raises MediaError."""
        text, speech, language = await self._prompt(text, settings, language)
        errors: list[str] = []
        for engine in self._candidates(speech, language):
            key = PromptCache.key(CACHE_VERSION, engine.cache_key(speech, language), language, text)
            started = False
            try:
                make = functools.partial(_pieces, engine, text, speech, language)
                async with aclosing(self.cache.stream(key, make)) as out:
                    async for pcm in out:
                        started = True
                        yield pcm
                return
            except MediaError as exc:
                if started:
                    raise
                log.warning("TTS %s failed, trying the next engine: %s", engine.name, exc.message)
                errors.append(f"{engine.name}: {exc.message}")
        raise MediaError(f"speech synthesis failed ({'; '.join(errors) or 'no engine'})", name="tts")

    async def synthesize_pcm(self, text: str, settings: Any = None, **kw: Any) -> Pcm:
        path = await self.synthesize(text, settings, **kw)
        return await asyncio.to_thread(read_prompt, path)

    async def prepare(self, texts: Iterable[str], settings: Any = None) -> int:
        """Synthesise a scenario's prompts ahead of its calls, one at a time (CPU-bound engines),
        each as a call plays it (`stream`): a call asking for it meanwhile plays along from the
        first piece. A text that cannot be spoken is logged and skipped. Returns how many were
        rendered or found cached."""
        done = 0
        for text in dict.fromkeys(texts):
            if not text.strip():
                continue
            try:
                async with aclosing(self.stream(text, settings)) as pieces:
                    async for _ in pieces:
                        pass
            except MediaError as exc:
                log.warning("preparing the prompt %r failed: %s", text[:60], exc.message)
                continue
            done += 1
        return done

    async def close(self) -> None:
        await asyncio.gather(*(engine.close() for engine in self.engines.values()))
        self._started = False


async def _pieces(engine: SpeechSynthesizer, text: str, speech: SpeechSettings, language: str
                  ) -> AsyncGenerator[Pcm, None]:
    """What `engine` says, as it says it when it can stream, else whole."""
    if isinstance(engine, StreamingSynthesizer):
        async with aclosing(engine.stream(text, speech, language)) as pieces:
            async for pcm in pieces:
                yield pcm
    else:
        yield await engine.synthesize(text, speech, language)


def offline_engines() -> list[SpeechSynthesizer]:
    from voicebox.media.espeak import EspeakEngine
    from voicebox.media.festival import FestivalEngine
    from voicebox.media.piper import PiperEngine

    return [FestivalEngine(), PiperEngine(), EspeakEngine()]


def build_engine(name: str, settings: Any) -> SpeechSynthesizer:
    """One engine by its configured name (`festival`, `piper`, `espeak`, `yandex`)."""
    from voicebox.media.espeak import EspeakEngine
    from voicebox.media.festival import FestivalEngine
    from voicebox.media.piper import PiperEngine
    from voicebox.media.yandex import YandexEngine

    name = ENGINE_ALIASES.get(name, name)
    if name == "festival":
        return FestivalEngine()
    if name == "piper":
        return PiperEngine()
    if name == "espeak":
        return EspeakEngine()
    if name == "yandex":
        return YandexEngine(
            api_key=settings.yandex_api_key,
            iam_token=settings.yandex_iam_token,
            folder_id=settings.yandex_folder_id,
            url=settings.yandex_tts_url,
        )
    raise MediaError(
        f"unknown TTS engine {name!r} in VOICEBOX_TTS_ENGINES; use festival, piper, espeak, yandex",
        name="tts",
    )


def speech_service_from_settings(settings: Any) -> SpeechService:
    """The process-wide SpeechService for `voicebox.config.Settings` (call `start()` at boot)."""
    names = [n.strip().lower() for n in settings.tts_engines.split(",") if n.strip()]
    if (settings.yandex_api_key or settings.yandex_iam_token) and "yandex" not in names:
        names.insert(0, "yandex")
    engines = [build_engine(name, settings) for name in dict.fromkeys(names)]
    order = {
        lang: [e.name for e in engines if lang in e.languages and e.name != "yandex"]
        for lang in DEFAULT_ORDER
    }
    cache_dir = settings.tts_cache_dir or Path(settings.data_dir) / "cache" / "tts"
    storage = open_storage(settings)
    shared = None if is_folder(storage, Path(settings.data_dir)) else storage
    return SpeechService(engines, cache_dir=cache_dir, order=order, strict=settings.tts_strict,
                         storage=shared)
