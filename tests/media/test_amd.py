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
    # One telling cue is enough: a person answering the phone does not say it.
    ("Это голосовая почта Ивана", MACHINE),
    ("Привет, это виртуальный ассистент Анны", ASSISTANT),
    ("Hi, I am a call assistant.", ASSISTANT),
    ("Здравствуйте, вы позвонили по номеру", MACHINE),  # nobody answers their phone so
    ("Hi, you've reached Mary", MACHINE),
    # Two ordinary cues at different words.
    ("Здравствуйте, вы позвонили по номеру абонента", MACHINE),
    ("The person you are calling is not available. Please leave a message.", MACHINE),
    # A short stem is a whole word: «Боткин» is a name, not a bot.
    ("Алло, Боткин слушает", HUMAN),
    ("Да, я на Боткинской, говорите", HUMAN),
    # One ordinary cue could be a person's: unknown, never a robot.
    ("Алло, это Вова, оставьте меня в покое", UNKNOWN),
    ("Слушаю, абонентский отдел", UNKNOWN),
    ("Алло, я занят, у меня сообщение от вас пришло", UNKNOWN),
    ("Алло, Виталий, помощник депутата, слушаю", UNKNOWN),
    ("Yes, I am not available right now, call later", UNKNOWN),
    ("Алло, это жена Ивана, он сейчас не может ответить", UNKNOWN),
    ("Здравствуйте, вы позвонили в компанию «Ромашка»", UNKNOWN),  # a receptionist may say so
])
def test_greeting_words(text, kind):
    assert classify_greeting(text)[0] == kind
    if kind == UNKNOWN:
        assert classify_greeting(text)[1] == "one_cue"


async def hear(detector, frames):
    """Push `frames` until the detector decides (or they run out), then its verdict."""
    for frame in frames:
        detector.push(frame)
        if detector.done:
            break
    detector.finish()
    return await detector.result()


async def detect(pcm: bytes, recognizer=None, language="ru"):
    detector = MachineDetector(AmdTiming(), recognizer=recognizer, language=language)
    return await hear(detector, frames_of(pcm))


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


class _Greeting:
    """A recogniser that hears one ordinary cue in the first 3 s of a greeting and a telling one
    after (so the test pins the detector's logic, not Whisper's reading of a voice)."""

    name = "scripted"

    def __init__(self, more_after: float = 3.5, first: str = "Здравствуйте, вы позвонили Ивану"
                 ) -> None:
        self.more_after = more_after
        self.first = first
        self.heard: list[float] = []

    async def transcribe(self, pcm, *, language="ru", hints=()):
        from voicebox.media.asr import Transcript

        self.heard.append(len(pcm) / 16000)
        text = self.first
        if len(pcm) > self.more_after * 16000:
            text += ", оставьте сообщение после сигнала"
        return Transcript(text=text, confidence=0.9, language=language)


@pytest.mark.parametrize(("first", "cause"), [
    ("Здравствуйте, вы позвонили Ивану", "one_cue"),  # one ordinary cue: unknown so far
    ("Здравствуйте, а бы не так", "no_machine_words"),  # «абонента» misheard: a person so far
])
async def test_a_greeting_cut_short_is_heard_on_until_it_says_more(caller_phrases, first, cause):
    """detectAI's 3 s heard too little of a long greeting to tell; heard on, the same greeting
    names the beep: a machine, decided from all of it."""
    recognizer = _Greeting(first=first)
    detector = MachineDetector(AmdTiming(), recognizer=recognizer)
    greeting = quiet(0.3) + caller_phrases["no_giveaway"] * 2 + quiet(1.0)
    frames = list(frames_of(greeting))
    for frame in frames[:150]:  # 3 s: the caller's listening time
        detector.push(frame)
    assert not detector.done  # still talking
    detector.finish()
    first = await detector.result()
    assert first.cause == cause
    assert detector.listens_on(first)
    detector.resume()
    verdict = await hear(detector, frames[150:])
    assert (verdict.kind, verdict.cause) == (MACHINE, "voicemail_words")
    assert recognizer.heard[0] < 3.2 < 4.0 < recognizer.heard[1] <= 6.0
    assert verdict.decided_at > first.decided_at


async def test_a_greeting_that_ended_is_not_heard_on(caller_phrases):
    """One cue in a greeting the timing already closed (silence after it): nothing more to hear,
    so unknown stands."""
    detector = MachineDetector(AmdTiming(), recognizer=_Greeting(more_after=60))
    verdict = await hear(detector, frames_of(quiet(0.3) + caller_phrases["no_giveaway"]
                                             + quiet(1.5)))
    assert (verdict.kind, verdict.cause) == (UNKNOWN, "one_cue")
    assert not detector.listens_on(verdict)
