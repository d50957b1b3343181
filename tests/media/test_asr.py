"""The recogniser on callers' voices (one model per session, a handful of utterances), the
service's queue, and the model's assembly."""

import asyncio
import random

import numpy as np
import pytest

from tests.media.conftest import noise, quiet
from voicebox.config import Settings
from voicebox.engine.matching import dictionary_intent
from voicebox.errors import MediaError
from voicebox.media import asr as asr_module
from voicebox.media import models
from voicebox.media.asr import (
    NullRecognizer,
    RecognitionService,
    Transcript,
    _pooled,
    _transcript,
    build_recognizer,
    played_at,
    prompt_text,
    to_16k,
)
from voicebox.media.caller_voices import over_the_line
from voicebox.scenario_language.keywords import DIGIT_HINTS, spoken_digits

RU_HINTS = ["да", "нет", "конечно", "не интересно", "перезвоните", "оператор", "повторите"]
EN_HINTS = ["yes", "no", "agree", "not interested", "call back", "operator", "repeat"]


@pytest.mark.parametrize(("name", "language", "hints", "code"), [
    ("da", "ru", RU_HINTS, "agree"), ("neint", "ru", RU_HINTS, "refuse"),
    ("agree", "en", EN_HINTS, "agree"),
])
async def test_answers_are_understood_through_the_phone_line(
        whisper, caller_phrases, name, language, hints, code):
    line = over_the_line(caller_phrases[name], random.Random(7), snr_db=25)
    heard = await whisper.transcribe(line, language=language, hints=hints)
    assert dictionary_intent(heard.text).code == code
    assert heard.confidence >= 0.4 and heard.alternatives[0][0] == heard.text
    assert sum(weight for _, weight in heard.alternatives) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(("name", "language", "digits"), [("dva", "ru", "2"), ("three", "en", "3")])
async def test_spoken_digits_with_digit_hints(whisper, caller_phrases, name, language, digits):
    line = over_the_line(caller_phrases[name], random.Random(3))
    heard = await whisper.transcribe(line, language=language, hints=DIGIT_HINTS[language])
    assert spoken_digits(heard.text) == digits


@pytest.mark.parametrize(("name", "language"), [("eight", "en"), ("dont_know", "en"),
                                                ("hello", "ru")])
async def test_digit_hints_read_a_digit_and_only_a_digit(whisper, caller_phrases, name, language):
    """«Eight» in this voice came back as "Hey." with the digits prompted as a list; an answer
    that is no number must not turn into one under the digit prompt."""
    line = over_the_line(caller_phrases[name], random.Random(5))
    heard = await whisper.transcribe(line, language=language, hints=DIGIT_HINTS[language])
    assert spoken_digits(heard.text) == ("8" if name == "eight" else "")


def test_expected_digits_are_prompted_as_scrambled_sentences():
    assert prompt_text("en", DIGIT_HINTS["en"]) == \
        "Seven. Two. Nine. Four. One. Zero. Five. Eight. Three. Six."
    assert prompt_text("ru", ["баланс", "оператор", "два", "один", "три"]) == \
        "баланс, оператор. Два. Один. Три."
    assert prompt_text("ru", ["да", "нет", "два"]) == "да, нет, два"  # no digit branch
    assert prompt_text("en", []) == ""


def test_readings_spelling_the_same_number_fold_together():
    heard = _transcript(["Hey.", "Eight.", "8", "eight"], [-1.0, -1.2, -1.3, -1.4],
                        [-0.5] * 4, 0.05, "en", 0.0)
    assert heard.text == "Eight."
    assert heard.alternatives[1][0] == "Hey." and heard.confidence > 0.6
    assert sum(weight for _, weight in heard.alternatives) == pytest.approx(1.0, abs=0.01)


def test_spellings_that_differ_in_case_punctuation_and_spacing_fold_together():
    heard = _transcript(["Нет, мне это не интересно.", "Нет, мне это неинтересно.",
                         "нет мне это НЕ ИНТЕРЕСНО", "Интересно!"], [-1.0, -1.05, -1.5, -1.6],
                        [-0.3] * 4, 0.02, "ru", 0.0)
    assert heard.text == "Нет, мне это не интересно." and len(heard.alternatives) == 2
    assert heard.confidence > 0.7


def test_a_runaway_reading_takes_no_weight():
    """A beam stuck repeating «нет» (or still going at the length limit) is no reading of the
    audio: it is dropped and the others share the weight."""
    loop = ", ".join(["Нет"] * 20)
    heard = _transcript([loop, "Нет, мне не интересно.", None, "Нет, не интересно."],
                        [-2.0, -2.2, -2.1, -3.0], [-0.1] * 4, 0.02, "ru", 0.0)
    assert heard.text == "Нет, мне не интересно." and heard.confidence > 0.6
    assert sum(weight for _, weight in heard.alternatives) == pytest.approx(1.0, abs=0.01)
    assert not _transcript([loop], [-1.0], [-0.1], 0.02, "ru", 0.0).text


@pytest.mark.parametrize("audio", [quiet(2.0), noise(2.0, 0.05)], ids=["silence", "noise"])
@pytest.mark.parametrize(("language", "hints"), [
    ("ru", RU_HINTS), ("en", DIGIT_HINTS["en"]), ("ru", DIGIT_HINTS["ru"]),
], ids=["intents", "en-digits", "ru-digits"])
async def test_silence_and_noise_give_no_words(whisper, audio, language, hints):
    """Also under the digit prompt, where the utterance is heard at three speeds."""
    heard = await whisper.transcribe(audio, language=language, hints=hints)
    assert heard.text == "" and heard.alternatives == ()


def test_upsampling_keeps_the_tone_and_the_length():
    t = np.arange(8000) / 8000
    pcm = (0.5 * 32767 * np.sin(2 * np.pi * 1000 * t)).astype("<i2").tobytes()
    out = to_16k(pcm)
    assert len(out) == 16000
    spectrum = np.abs(np.fft.rfft(out))
    assert np.fft.rfftfreq(16000, 1 / 16000)[spectrum.argmax()] == pytest.approx(1000, abs=2)
    assert np.abs(out[200:-200]).max() == pytest.approx(0.5, abs=0.02)


def test_played_faster_is_shorter_and_higher():
    t = np.arange(16000) / 16000
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    for factor in (0.9, 1.1):
        out = played_at(tone, factor)
        assert len(out) == int(16000 / factor) and out.dtype == np.float32
        peak = np.fft.rfftfreq(len(out), 1 / 16000)[np.abs(np.fft.rfft(out)).argmax()]
        assert peak == pytest.approx(1000 * factor, abs=3)


def test_readings_at_three_speeds_are_pooled():
    """A digit read at two speeds of three outweighs a misreading heard at one; a reading heard
    at one speed only keeps a third of its weight."""
    as_heard = Transcript("Eight.", 0.7, "en", (("Eight.", 0.7), ("Six.", 0.3)))
    slower = Transcript("Six.", 0.8, "en", (("Six.", 0.8), ("Big.", 0.2)))
    faster = Transcript("6", 0.9, "en", (("6", 0.9), ("Eight.", 0.1)))
    heard = _pooled([as_heard, slower, faster])
    assert heard.text == "Six." and heard.confidence == pytest.approx(2.0 / 3, abs=0.001)
    assert dict(heard.alternatives)["Eight."] == pytest.approx(0.8 / 3, abs=0.001)
    assert sum(weight for _, weight in heard.alternatives) == pytest.approx(1.0, abs=0.01)


def test_copies_of_a_silent_clip_add_nothing():
    """Noise played faster may read as a word; the clip as heard decides that nothing was said."""
    silent = Transcript(language="en", no_speech=0.9)
    heard = _pooled([silent, Transcript("Nine.", 1.0, "en", (("Nine.", 1.0),))])
    assert heard.text == "" and heard.alternatives == () and heard.no_speech == 0.9
    half = _pooled([Transcript("Two.", 1.0, "en", (("Two.", 1.0),)), Transcript(language="en")])
    assert half.text == "Two." and half.confidence == pytest.approx(0.5)


class SlowRecognizer:
    name = "slow"

    def __init__(self, seconds: float = 0.2, fail: bool = False):
        self.seconds = seconds
        self.fail = fail

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def transcribe(self, pcm, *, language="ru", hints=()):
        await asyncio.sleep(self.seconds)
        if self.fail:
            raise MediaError("boom")
        return Transcript(text="да", confidence=0.9, language=language)


async def test_the_queue_is_bounded_and_a_long_wait_is_overload():
    service = RecognitionService(SlowRecognizer(0.3), workers=1, queue=2, timeout=5.0)
    first = asyncio.ensure_future(service.transcribe(b"", language="ru"))
    waiting = [asyncio.ensure_future(service.transcribe(b"")) for _ in range(2)]
    await asyncio.sleep(0.05)
    assert service.busy
    refused = await service.transcribe(b"")
    assert refused.overload and refused.text == ""
    assert [r.text for r in await asyncio.gather(first, *waiting)] == ["да"] * 3
    assert not service.busy

    impatient = RecognitionService(SlowRecognizer(0.5), workers=1, queue=8, timeout=0.1)
    results = await asyncio.gather(*(impatient.transcribe(b"") for _ in range(2)))
    assert [r.overload for r in results] == [False, True]


async def test_a_failing_recogniser_counts_as_no_input():
    service = RecognitionService(SlowRecognizer(0.0, fail=True))
    heard = await service.transcribe(b"", language="en")
    assert heard.text == "" and not heard.overload and heard.language == "en"


async def test_off_and_a_missing_model(tmp_path, monkeypatch):
    assert isinstance(build_recognizer(Settings(asr="off")), NullRecognizer)
    assert (await NullRecognizer().transcribe(b"x")).text == ""

    def missing(package):
        raise MediaError(f"the Whisper weights are not installed ({package})")

    monkeypatch.setattr(models, "_package_data", missing)
    settings = Settings(data_dir=tmp_path)
    service = await asr_module.start_service(settings)  # logged, falls back to off
    assert not service.enabled
    with pytest.raises(MediaError, match="not installed"):
        await asr_module.start_service(settings.model_copy(update={"asr_strict": True}))
    lazy = asr_module.service_for(settings)  # the dialer's: loads on the first utterance
    assert (await lazy.transcribe(quiet(0.5))).text == ""  # failure logged, no input


def test_the_model_is_assembled_checked_and_repaired(tmp_path, whisper_dir):
    target = tmp_path / "whisper-base"
    assert models.ensure_whisper_base(target) == target
    model = target / "model.bin"
    assert model.stat().st_size == models.MODEL_SIZE
    with model.open("r+b") as file:  # a bit flipped on disk
        file.seek(1000)
        file.write(b"\x00\x01\x02")
    assert not models._verified(target)
    models.ensure_whisper_base(target)
    assert models._verified(target)
    assert not list(target.glob(".*"))  # no temporary files left
