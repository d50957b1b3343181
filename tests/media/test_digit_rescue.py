"""Closed-set scoring of the digit words: which readings are worth it, and when a digit may
take a reading's place ("none of these" otherwise)."""

import pytest

from voicebox.media import digit_rescue
from voicebox.media.asr import _transcript
from voicebox.scenario_language.keywords import DIGIT_HINTS, noise_word


def test_only_an_ivr_expecting_digits_scores_them():
    assert digit_rescue.expects_digits("ru", DIGIT_HINTS["ru"])
    assert digit_rescue.expects_digits("en", ["operator", "One", "two", "three"])
    assert not digit_rescue.expects_digits("ru", ["да", "нет", "два"])
    assert digit_rescue.candidates("en")[:2] == ["One.", "Two."]


@pytest.mark.parametrize(("text", "worth"), [
    ("Ни.", True), ("Cube.", True), ("I'm.", True), ("Вовосим.", True),
    # A number is already an answer; a dictionary answer or a longer phrase is somebody saying
    # something else, never to be read as a digit.
    ("Два.", False), ("Нет.", False), ("Да.", False), ("No.", False), ("Yes.", False),
    ("Ни надо.", False), ("I'm really right now.", False), ("Ron Hamburg.", False),
])
def test_only_a_meaningless_single_word_is_scored(text, worth):
    assert noise_word(text) is worth


def test_a_digit_replaces_the_reading_only_when_it_explains_the_audio_nearly_as_well():
    digits = [("Ноль.", -2.0), ("Три.", -4.0), ("Два.", -6.0)]
    assert digit_rescue.rescue(-1.2, digits, "0") == "Ноль."  # 0.8 nats behind the reading
    assert digit_rescue.rescue(-0.5, digits, "0") is None  # 1.5 nats behind: none of these
    # Two digits about as likely: which one is a guess, so none.
    assert digit_rescue.rescue(-2.0, [("Пять.", -2.1), ("Три.", -2.3)], "5") is None
    assert digit_rescue.rescue(-2.0, [], "") is None
    # The scores and the n-best list disagree (short words score high): none.
    assert digit_rescue.rescue(-1.2, digits, "2") is None
    assert digit_rescue.rescue(-1.2, digits, "") is None


def test_the_listed_digit_is_the_heaviest_one_digit_reading():
    assert digit_rescue.listed_digit([("Вовосим.", 0.5), ("Два. Восемь.", 0.2),
                                      ("Восемь.", 0.2), ("Два.", 0.1)]) == "8"
    assert digit_rescue.listed_digit([("Fury.", 0.6), ("Three. Zero.", 0.4)]) == ""


@pytest.mark.parametrize(("text", "once"), [
    ("Девять. Девять.", "Девять."), ("Eight. Eight. Eight.", "Eight."),
    ("Nine. Zero.", ""), ("Один, один.", ""), ("Девять.", ""), ("Да. Да.", ""), ("11", ""),
])
def test_a_digit_repeated_as_sentences_is_said_once(text, once):
    assert digit_rescue.stutter(text) == once


def test_a_repeated_digit_reading_pools_with_the_digit():
    """«Девять. Девять.» (the prompt's run of sentences continued) at 0.41 and «Девять.» at 0.40
    are one reading of 9, not 99 beating 9."""
    heard = _transcript(["Девять. Девять.", "Девять.", "Дебить."], [-1.0, -1.04, -2.0],
                        [-0.3] * 3, 0.02, "ru", 0.0)
    assert heard.text == "Девять." and heard.confidence > 0.7


def _rescued(readings, scores):
    """What the recogniser makes of `readings` given these likelihoods (digits, then the top
    reading), without a model."""
    from pathlib import Path

    from voicebox.media.asr import Transcript, WhisperRecognizer

    recognizer = WhisperRecognizer(Path("."))
    recognizer.likelihoods = lambda *args: scores  # type: ignore[method-assign]
    heard = Transcript(text=readings[0][0], confidence=readings[0][1], language="ru",
                       alternatives=tuple(readings))
    return recognizer.rescue_digit(None, [], heard)


RU_SCORES = [-9.0, -9.0, -6.0, -9.0, -9.0, -9.0, -9.0, -9.0, -9.0, -2.0, -1.2]  # «Ноль.» best


def test_a_rescued_digit_takes_the_reading_s_weight_and_pools_with_itself():
    from voicebox.engine.matching import understood
    from voicebox.telephony.base import Heard

    heard = _rescued([("Ни.", 0.61), ("Ноль.", 0.28), ("Ну.", 0.11)], RU_SCORES)
    assert heard.text == "Ноль." and heard.confidence == pytest.approx(0.89)
    assert heard.alternatives == (("Ноль.", 0.89), ("Ну.", 0.11))
    assert understood(Heard(speech=heard.text, confidence=heard.confidence,
                            alternatives=heard.alternatives), 0.4)


def test_a_rescued_digit_against_a_refusal_stays_unclear():
    """«ноль» heard as «Ни.» with «Нет.» close behind: the digit must not turn a possible «нет»
    into a key press — the engine's number-against-intent rule makes it unclear."""
    from voicebox.engine.matching import understood
    from voicebox.telephony.base import Heard

    heard = _rescued([("Ни.", 0.5), ("Нет.", 0.24), ("Ноль.", 0.16), ("Не.", 0.1)], RU_SCORES)
    assert heard.text == "Ноль." and heard.confidence == pytest.approx(0.66)
    assert not understood(Heard(speech=heard.text, confidence=heard.confidence,
                                alternatives=heard.alternatives), 0.4)


def test_no_digit_close_enough_leaves_the_reading_alone():
    readings = [("Мит.", 0.55), ("Мик.", 0.45)]
    scores = [*RU_SCORES[:-1], 1.0]  # the reading far likelier than any digit
    assert _rescued(readings, scores).alternatives == tuple(readings)
