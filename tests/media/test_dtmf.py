"""DTMF: generated tones decode back to the digits through Goertzel, also in noise and G.711."""

from __future__ import annotations

import numpy as np
import pytest

from tests.media.conftest import RU_TEXT, dominant_frequency
from voicebox.errors import MediaError
from voicebox.media import g711
from voicebox.media.audio import duration, silence, to_array
from voicebox.media.base import SpeechSettings
from voicebox.media.dtmf import COLS, DIGITS, ROWS, decode_dtmf, dtmf_tones


def add_noise(pcm: bytes, std: float, seed: int = 7) -> bytes:
    noisy = to_array(pcm) + np.random.default_rng(seed).normal(0, std, len(pcm) // 2)
    return np.clip(noisy, -32768, 32767).astype("<i2").tobytes()


@pytest.mark.parametrize("digit", list(DIGITS))
def test_each_digit_is_the_right_pair_of_tones(digit: str) -> None:
    pcm = dtmf_tones(digit, tone_ms=200, gap_ms=0)
    spectrum = np.abs(np.fft.rfft(to_array(pcm)))
    freqs = np.fft.rfftfreq(len(pcm) // 2, 1 / 8000)
    peaks = sorted(freqs[np.argsort(spectrum)[-2:]])
    row, col = divmod(DIGITS.index(digit), 4)
    assert peaks == pytest.approx([ROWS[row], COLS[col]], abs=6)
    assert decode_dtmf(pcm) == digit


def test_all_sixteen_round_trip() -> None:
    digits = DIGITS + "0123456789*#"
    pcm = dtmf_tones(digits)
    assert duration(pcm) == pytest.approx(len(digits) * 0.16, abs=0.01)
    assert decode_dtmf(pcm) == digits


def test_repeated_digits_are_separate_presses() -> None:
    assert decode_dtmf(dtmf_tones("1100#")) == "1100#"


@pytest.mark.parametrize("std", [1000, 3000])
def test_round_trip_in_noise(std: float) -> None:
    digits = DIGITS
    pcm = silence(0.3) + dtmf_tones(digits) + silence(0.3)
    assert decode_dtmf(add_noise(pcm, std)) == digits


def test_round_trip_through_g711() -> None:
    pcm = dtmf_tones("159#D")
    for law in ("ulaw", "alaw"):
        assert decode_dtmf(g711.decode(g711.encode(pcm, law), law)) == "159#D"


def test_noise_and_single_tones_are_not_digits() -> None:
    assert decode_dtmf(add_noise(silence(2), 3000)) == ""
    t = np.arange(8000) / 8000
    single = (8000 * np.sin(2 * np.pi * 697 * t)).astype("<i2").tobytes()
    assert dominant_frequency(single) == pytest.approx(697, abs=2)
    assert decode_dtmf(single) == ""


async def test_speech_is_not_taken_for_digits(festival, piper) -> None:
    ru = await festival.synthesize(RU_TEXT, SpeechSettings(), "ru")
    en = await piper.synthesize("Press one for yes, two for no.", SpeechSettings(), "en")
    assert decode_dtmf(ru) == ""
    assert decode_dtmf(en) == ""


def test_bad_digit_is_an_error() -> None:
    with pytest.raises(MediaError, match="not a DTMF digit"):
        dtmf_tones("12x")
