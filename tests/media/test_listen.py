"""The Listener: one utterance out of a stream of 20 ms frames (Silero VAD on real voices)."""

import numpy as np
import pytest

from tests.media.conftest import frames_of, noise, quiet, tone
from voicebox.media.listen import Listener, VadStream


def listen(pcm: bytes, **options) -> object:
    listener = Listener(**options)
    for frame in frames_of(pcm):
        listener.push(frame)
        if listener.done:
            break
    return listener.finish()


async def test_hears_one_utterance_between_silences(caller_phrases):
    speech = caller_phrases["da"]
    heard = listen(quiet(1.0) + speech + quiet(2.0), wait_seconds=5)
    assert heard is not None and not heard.cut
    assert 0.5 <= heard.started <= 1.2
    assert abs(heard.seconds - len(speech) / 16000) < 0.8


async def test_awaiting_the_utterance_returns_when_it_ends(caller_phrases):
    listener = Listener(wait_seconds=5)
    for frame in frames_of(quiet(0.5) + caller_phrases["neint"] + quiet(1.0)):
        listener.push(frame)
    assert listener.done
    assert (await listener.utterance()).seconds > 0.5


@pytest.mark.parametrize("audio", [
    quiet(3.0), noise(3.0), tone(50, 3.0, 0.3), quiet(0.5) + tone(1000, 0.5) + quiet(2.0),
], ids=["silence", "noise", "hum", "beep"])
async def test_silence_noise_hum_and_a_beep_are_no_speech(audio):
    assert listen(audio, wait_seconds=2.5) is None


async def test_quiet_speech_is_raised_before_the_vad(caller_phrases):
    faint = (np.frombuffer(caller_phrases["da"], "<i2") // 16).astype("<i2").tobytes()
    assert listen(quiet(0.5) + faint + quiet(1.5), wait_seconds=5) is not None


async def test_speech_past_ten_seconds_is_cut(caller_phrases):
    long = quiet(0.3) + (caller_phrases["voicemail"] + quiet(0.3)) * 4
    heard = listen(long, wait_seconds=5)
    assert heard.cut and heard.seconds <= 10.5


async def test_immediate_returns_at_the_first_pause(caller_phrases):
    two = quiet(0.3) + caller_phrases["da"] + quiet(0.5) + caller_phrases["neint"] + quiet(1.0)
    first = listen(two, wait_seconds=5, immediate=True)
    whole = listen(two, wait_seconds=5, end_silence=2.5)
    assert first.seconds < whole.seconds - 0.8


async def test_no_speech_within_the_wait_is_silence_even_if_speech_comes_later(caller_phrases):
    assert listen(quiet(3.0) + caller_phrases["da"], wait_seconds=2.0) is None


async def test_vad_windows_are_continuous_across_frames(caller_phrases):
    vad = VadStream()
    probs = [p for frame in frames_of(caller_phrases["da"]) for p in vad.push(frame)]
    assert len(probs) == vad.windows == len(caller_phrases["da"]) // 2 * 2 // 512
    assert max(probs) > 0.8


class Scripted:
    """A VAD that reports a script of window probabilities, one per frame pushed."""

    def __init__(self, probabilities):
        self.probabilities = list(probabilities)
        self.windows = 0

    def push(self, frame):
        self.windows += 1
        return [self.probabilities.pop(0) if self.probabilities else 0.0]


@pytest.mark.parametrize(("script", "heard"), [
    ([0.6, 0.4], True),  # a curt word: two windows over the off threshold
    ([0.56, 0.3], False),  # one window: a click
    ([0.4, 0.45, 0.3], False),  # never reached the start threshold
])
def test_two_windows_of_speech_are_a_word_and_one_is_a_click(script, heard):
    listener = Listener(wait_seconds=3)
    listener._vad = Scripted([0.0] * 10 + script)
    for frame in frames_of(quiet(3.0)):
        listener.push(frame)
        if listener.done:
            break
    assert (listener.finish() is not None) is heard
