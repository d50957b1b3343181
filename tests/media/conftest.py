"""Real engines, started once per test session (festival and piper take seconds to load)."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from voicebox.media.audio import SAMPLE_RATE, Pcm, to_array, wav_bytes
from voicebox.media.espeak import EspeakEngine
from voicebox.media.festival import FestivalEngine
from voicebox.media.piper import PiperEngine

RU_TEXT = "Здравствуйте! Это автоматический звонок из банка."
EN_TEXT = "Hello! This is an automated call from your bank."


@pytest.fixture(scope="session")
async def festival() -> AsyncIterator[FestivalEngine]:
    engine = FestivalEngine()
    await engine.start()
    yield engine
    await engine.close()


@pytest.fixture(scope="session")
async def piper() -> AsyncIterator[PiperEngine]:
    engine = PiperEngine()
    await engine.start()
    yield engine
    await engine.close()


@pytest.fixture(scope="session")
async def espeak() -> EspeakEngine:
    engine = EspeakEngine()
    await engine.start()
    return engine


def speech_seconds(pcm: Pcm, threshold: float = 0.01) -> float:
    """Seconds of 20 ms frames louder than `threshold` RMS: how long something is audible."""
    samples = to_array(pcm).astype(np.float64) / 32768
    frame = SAMPLE_RATE // 50
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    loud = np.sqrt((frames**2).mean(axis=1)) > threshold
    return float(loud.sum()) / 50


def dominant_frequency(pcm: Pcm, rate: int = SAMPLE_RATE) -> float:
    samples = to_array(pcm).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[spectrum.argmax()])


# -- speech recognition: one model and one set of callers' phrases per session ---------------

CALLER_PHRASES = {
    "da": ("ru", "Да, конечно.", 0),
    "neint": ("ru", "Нет, мне не интересно.", 1),
    "dva": ("ru", "Два.", 1),
    "hello": ("ru", "Алло?", 0),
    "voicemail": ("ru", "Здравствуйте, абонент не может ответить. Оставьте сообщение после "
                        "сигнала.", 1),
    "assistant": ("ru", "Здравствуйте, я голосовой помощник абонента. Представьтесь, пожалуйста, "
                        "и скажите, по какому вы вопросу.", 0),
    "agree": ("en", "Yes, I agree.", 0),
    "three": ("en", "Three.", 1),
    "not_interested": ("en", "I'm not interested.", 0),
    # espeak's, not piper's: piper's "Three." holds the VAD for only three windows, which the
    # Listener once took for a click at some alignments (media/listen.py MIN_SPEECH)
    "three_espeak": ("en", "Three.", 2),
    "eight": ("en", "Eight.", 1),
    "dont_know": ("en", "I don't know.", 2),
    # a greeting whose words say nothing of voicemail: only a beep after it gives it away
    "no_giveaway": ("ru", "Добрый день, это квартира Смирновых, мы сейчас далеко от телефона.", 2),
}


@pytest.fixture(scope="session")
async def caller_phrases() -> dict[str, Pcm]:
    """Each phrase in a caller's voice (not the robot's), clean 8 kHz PCM."""
    from voicebox.media.caller_voices import CALLER_VOICES, CallerSpeech

    speech = CallerSpeech()
    try:
        return {name: await speech.say(text, lang, CALLER_VOICES[lang][voice])
                for name, (lang, text, voice) in CALLER_PHRASES.items()}
    finally:
        await speech.close()


@pytest.fixture(scope="session")
def whisper_dir(tmp_path_factory: pytest.TempPathFactory):
    """The Whisper base model assembled from its wheels once per session."""
    from voicebox.media.models import ensure_whisper_base

    return ensure_whisper_base(tmp_path_factory.mktemp("models") / "whisper-base")


@pytest.fixture(scope="session")
async def whisper(whisper_dir):
    from voicebox.media.asr import WhisperRecognizer

    recognizer = WhisperRecognizer(whisper_dir, threads=2)
    await recognizer.start()
    yield recognizer
    await recognizer.close()


def frames_of(pcm: Pcm) -> list[bytes]:
    pcm += bytes(-len(pcm) % 320)
    return [pcm[i:i + 320] for i in range(0, len(pcm), 320)]


def tone(freq: float, seconds: float, level: float = 0.4) -> Pcm:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (level * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


def noise(seconds: float, level: float = 0.02, seed: int = 1) -> Pcm:
    rng = np.random.default_rng(seed)
    return (rng.normal(0, level * 32767, round(seconds * SAMPLE_RATE))).astype("<i2").tobytes()


def quiet(seconds: float) -> Pcm:
    return bytes(2 * round(seconds * SAMPLE_RATE))


# -- files a user or an attacker may hand the decoder -----------------------------------------

def make_tone(path: Path, *, seconds: float = 1.5, freq: int = 440, rate: int = 44100) -> Path:
    """A stereo sine file in whatever format `path`'s suffix says, made by ffmpeg."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={freq}:sample_rate={rate}:duration={seconds}",
         "-ac", "2", str(path)],
        check=True,
    )
    return path


def sparse_wav(path: Path, seconds: float, rate: int = SAMPLE_RATE) -> Path:
    """A 16-bit mono WAV of `seconds` of silence, sparse: its header and size say so, yet it
    costs no disk (a two-hour file must cost no memory either)."""
    size = round(seconds * rate) * 2
    head = bytearray(wav_bytes(b"", rate=rate))
    head[4:8], head[40:44] = (36 + size).to_bytes(4, "little"), size.to_bytes(4, "little")
    with path.open("wb") as out:
        out.write(head)
        out.truncate(44 + size)
    return path


def lying_about_its_size(wav: bytes) -> bytes:
    """`wav` with its data chunk claiming 4 GB."""
    liar = bytearray(wav)
    liar[40:44] = (0xFFFFFFF0).to_bytes(4, "little")
    return bytes(liar)


def video_only(path: Path) -> Path:
    """An OGG holding one second of video and no audio stream."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=d=1:s=32x32", "-c:v", "libtheora", str(path)], check=True)
    return path
