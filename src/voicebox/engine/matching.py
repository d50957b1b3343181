"""Which `IVR.inputAnalysis` branch an answer matches: digits, the author's words, intents."""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicebox.scenarios.format import Branch
from voicebox.scenarios.keywords import INTENTS, Intent, get_intent, normalize, phrases_regex
from voicebox.telephony.base import Heard


@dataclass(frozen=True, slots=True)
class _KeywordTest:
    label: str
    regex: re.Pattern[str] | None
    lost: bool


@dataclass(frozen=True, slots=True)
class BranchMatcher:
    """One branch compiled once per scenario."""

    dtmf: str | None
    words: re.Pattern[str] | None
    keywords: tuple[_KeywordTest, ...]

    @classmethod
    def build(cls, branch: Branch) -> BranchMatcher:
        dtmf = branch.dtmf.strip() if branch.dtmf and branch.dtmf.strip() else None
        words = None
        if branch.words:
            words = phrases_regex([part for part in branch.words.split(",") if part.strip()])
        tests = []
        for keyword in branch.keywords:
            intent: Intent | None = get_intent(keyword.id, keyword.name)
            if intent is not None:
                tests.append(_KeywordTest(intent.name, intent._regex, keyword.lost))
            elif keyword.name:  # not in the dictionary: the name itself is the phrase
                tests.append(_KeywordTest(keyword.name, phrases_regex([keyword.name]), keyword.lost))
        return cls(dtmf, words, tuple(tests))

    def match(self, heard: Heard, padded: str) -> str | None:
        """What matched (`dtmf`, `words`, or the intent's name), or None.

        `padded` is `" " + normalize(speech) + " "`, computed once per answer.
        """
        if heard.dtmf:
            return "dtmf" if self.dtmf is not None and heard.dtmf == self.dtmf else None
        if not heard.speech:
            return None
        if self.words is not None and self.words.search(padded):
            return "words"
        for test in self.keywords:
            found = test.regex is not None and test.regex.search(padded) is not None
            if found != test.lost:
                return f"not {test.label}" if test.lost else test.label
        return None


def padded(text: str) -> str:
    return f" {normalize(text)} "


def intent_of(text: str) -> str:
    """The name of the first dictionary intent found in `text` (`padded(speech)`), or ""."""
    for intent in INTENTS:
        if intent._regex is not None and intent._regex.search(text):
            return intent.name
    return ""


def first_match(
    matchers: tuple[BranchMatcher, ...], heard: Heard, text: str | None = None
) -> tuple[int, str] | None:
    """The index of the first matching branch and what matched it (`text`: `padded(speech)`)."""
    if text is None:
        text = padded(heard.speech) if heard.speech else ""
    for index, matcher in enumerate(matchers):
        how = matcher.match(heard, text)
        if how is not None:
            return index, how
    return None
