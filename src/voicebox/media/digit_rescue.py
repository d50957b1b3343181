"""Closed-set scoring for an IVR that expects digits: when free decoding heard one word that
means nothing («Ни.», «Вовосим.», "Cube.", "I'm."), the ten digit words are scored against the
audio (teacher-forced, with the same prompt) and the best one takes that reading's place if it
explains the audio nearly as well and is the digit the n-best list itself proposes ("none of
these" otherwise).

Measured (docs/speech.md): argmax over the ten digit words alone reads most digits right, but it
reads every other answer as a digit too; free decoding stays the judge, and scoring only rescues
a reading that could not be an answer. The engine's own guards still apply to the result
(`engine/matching.py` `is_unclear`: a digit while readings with ≥ 20 % say an intent is unclear).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from voicebox.scenario_language.keywords import DIGIT_HINTS, normalize, spoken_digits

# The best digit must be at least a third as likely as the reading it replaces (log-likelihood
# of its tokens, nats) and clearly ahead of the next digit: closer calls stay "none of these".
MAX_GAP = 1.1
MIN_MARGIN = 0.5
_SENTENCE = re.compile(r"[.!?]+\s*")


def expects_digits(language: str, hints: Sequence[str]) -> bool:
    """The hints hold at least three of the language's digit words (an IVR with dtmf branches:
    the engine passes all ten)."""
    known = set(DIGIT_HINTS.get(language, ()))
    return sum(hint.strip().lower() in known for hint in hints) >= 3


def candidates(language: str) -> list[str]:
    """The digit words as Whisper writes a one-word answer: «Ноль.», "Zero."."""
    return [word[:1].upper() + word[1:] + "." for word in DIGIT_HINTS.get(language, ())]


def stutter(text: str) -> str:
    """The one digit word a reading repeats as sentences («Девять. Девять.» → «Девять.»), else
    "". The digit prompt is a run of one-word sentences, and Whisper sometimes goes on with it;
    said digits come back as one sentence («Один, два.», "1 2"), so those are left alone."""
    sentences = [part for part in _SENTENCE.split(text.strip()) if part.strip()]
    digits = spoken_digits(text)
    if len(sentences) > 1 and len(digits) == len(sentences) and len(set(digits)) == 1 and \
            all(normalize(part) == normalize(sentences[0]) for part in sentences):
        return sentences[0].strip() + "."
    return ""


def listed_digit(alternatives: Sequence[tuple[str, float]]) -> str:
    """The digit the n-best list's heaviest one-digit reading says, or ""."""
    for text, _ in alternatives:
        digits = spoken_digits(text)
        if len(digits) == 1:
            return digits
    return ""


def rescue(reading_score: float, digit_scores: Sequence[tuple[str, float]],
           listed: str) -> str | None:
    """The digit word (from `digit_scores`, (text, log-likelihood)) that replaces a meaningless
    reading scoring `reading_score`, or None when no digit explains the audio well enough, two
    digits do equally well, or the best one is not `listed` (the free n-best list's own digit:
    the scores alone favour short words, and read «Вовосим.» as «Два.», "Fiery." as "Four.")."""
    if len(digit_scores) < 2:
        return None
    ranked = sorted(digit_scores, key=lambda item: -item[1])
    (best, score), (_, runner_up) = ranked[0], ranked[1]
    if reading_score - score <= MAX_GAP and score - runner_up >= MIN_MARGIN and \
            spoken_digits(best) == listed:
        return best
    return None
