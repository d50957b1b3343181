"""Answering-machine detection by timing, on the loud/quiet pattern of the first seconds after
the answer (the stage before any transcript; the speech issue adds the recogniser's stage).

People answer with a short word ("Алло?") and wait; machines and voicemail talk on, or say
nothing at first. Defaults follow Asterisk's AMD() and are documented in docs/media.md.
"""

from __future__ import annotations

from dataclasses import dataclass

FRAME_SECONDS = 0.02
HUMAN, MACHINE, UNKNOWN = "human", "machine", "unknown"
Verdict = tuple[str, float]  # (HUMAN / MACHINE / UNKNOWN, confidence)


@dataclass(frozen=True, slots=True)
class AmdSettings:
    initial_silence: float = 2.5  # nobody speaks first for this long → machine
    greeting: float = 1.5  # speech longer than this before a pause → machine
    after_greeting_silence: float = 0.8  # a short greeting followed by this much quiet → human
    min_word: float = 0.1  # a loud stretch counts as a word from this long
    between_words: float = 0.05  # quiet that separates two words
    max_words: int = 3  # more words than this in the greeting → machine


class MachineDetector:
    """Feed one loud/quiet flag per received 20 ms frame; a verdict comes out once decided."""

    __slots__ = ("_in_word", "_quiet", "_spoken", "_word", "settings", "words")

    def __init__(self, settings: AmdSettings | None = None):
        self.settings = settings or AmdSettings()
        self._quiet = 0.0  # seconds of quiet in a row
        self._spoken = 0.0  # seconds of speech since the first word began
        self._word = 0.0  # length of the current loud stretch
        self._in_word = False
        self.words = 0

    def feed(self, loud: bool) -> Verdict | None:
        s = self.settings
        if loud:
            if self._quiet >= s.between_words:
                self._in_word = False
                self._word = 0.0
            self._quiet = 0.0
            self._word += FRAME_SECONDS
            if self.words or self._word >= s.min_word:
                self._spoken += FRAME_SECONDS
            if not self._in_word and self._word >= s.min_word:
                self._in_word = True
                self.words += 1
                if self.words > s.max_words:
                    return MACHINE, 0.75
            if self._spoken >= s.greeting:
                return MACHINE, 0.8
            return None
        self._quiet += FRAME_SECONDS
        if self.words == 0:
            if self._quiet >= s.initial_silence:
                return MACHINE, 0.6
        elif self._quiet >= s.after_greeting_silence:
            return HUMAN, 0.8
        return None

    def finish(self) -> Verdict:
        """Listening time is up without a decision."""
        return UNKNOWN, 0.0
