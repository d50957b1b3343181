"""Machine detection: beeps, greeting words, and app_amd timing on real voices."""

import pytest

from tests.media.conftest import frames_of, noise, quiet, tone
from voicebox.media.amd import (
    ASSISTANT,
    HUMAN,
    MACHINE,
    UNKNOWN,
    AmdTiming,
    MachineDetector,
    classify_greeting,
    has_beep,
)
from voicebox.media.dtmf import dtmf_tones


@pytest.mark.parametrize(("audio", "beep"), [
    (tone(1000, 0.2), True), (tone(440, 0.5), True), (tone(2400, 0.16), True),
    (quiet(0.3) + tone(1000, 0.2, level=0.05) + quiet(0.3), True),
    (tone(1000, 0.1), False),  # too short
    (tone(300, 0.5), False), (tone(3000, 0.5), False),  # outside 350–2500 Hz
    (dtmf_tones("5"), False), (dtmf_tones("123"), False),  # two tones, not one
    (noise(1.0, 0.1), False), (quiet(1.0), False), (tone(50, 1.0), False),
])
def test_beep(audio, beep):
    assert has_beep(audio) is beep


def test_speech_is_no_beep(caller_phrases):
    assert not any(has_beep(pcm) for pcm in caller_phrases.values())


@pytest.mark.parametrize(("text", "kind"), [
    ("Абонент не может ответить, оставьте сообщение после сигнала", MACHINE),
    ("Оставте сообщение", MACHINE),  # a typo
    ("Please leave a message after the tone", MACHINE),
    ("Я голосовой помошник, представьтесь", ASSISTANT),
    ("Hi, I'm an assistant, please state your name", ASSISTANT),
    ("Алло, да, слушаю вас, говорите", HUMAN),
    ("Hello, who is this?", HUMAN),
    ("Я сейчас за рулём, говорите быстрее", HUMAN),
])
def test_greeting_words(text, kind):
    assert classify_greeting(text)[0] == kind


async def detect(pcm: bytes, recognizer=None, language="ru"):
    detector = MachineDetector(AmdTiming(), recognizer=recognizer, language=language)
    for frame in frames_of(pcm):
        detector.push(frame)
        if detector.done:
            break
    detector.finish()
    return await detector.result()


async def test_short_greeting_then_silence_is_a_person(caller_phrases):
    verdict = await detect(quiet(0.5) + caller_phrases["hello"] + quiet(2.0))
    assert (verdict.kind, verdict.cause) == (HUMAN, "short_greeting")
    assert 0.5 < verdict.decided_at < 3.5


async def test_dead_air_is_unknown():
    verdict = await detect(quiet(4.0) + noise(2.0, 0.002))
    assert (verdict.kind, verdict.cause) == (UNKNOWN, "silence")
    assert verdict.decided_at == pytest.approx(2.5, abs=0.1)


async def test_a_beep_is_a_machine(caller_phrases):
    verdict = await detect(quiet(0.3) + tone(1000, 0.4) + quiet(1.0))
    assert (verdict.kind, verdict.cause) == (MACHINE, "beep")


async def test_long_greetings_are_transcribed(caller_phrases, whisper):
    voicemail = await detect(quiet(0.3) + caller_phrases["voicemail"] + quiet(1.0), whisper)
    assistant = await detect(quiet(0.3) + caller_phrases["assistant"] + quiet(1.0), whisper)
    assert (voicemail.kind, voicemail.cause) == (MACHINE, "voicemail_words")
    assert (assistant.kind, assistant.cause) == (ASSISTANT, "assistant_words")


async def test_a_long_greeting_without_a_recogniser_is_unknown(caller_phrases):
    verdict = await detect(quiet(0.3) + caller_phrases["voicemail"] + quiet(1.0))
    assert verdict.kind == UNKNOWN and verdict.cause in ("long_greeting", "max_words")


async def test_a_talkative_person_is_never_a_robot(caller_phrases, whisper):
    talk = quiet(0.3) + caller_phrases["neint"] + caller_phrases["da"] + caller_phrases["neint"]
    verdict = await detect(talk + quiet(1.0), whisper)
    assert not verdict.is_robot
