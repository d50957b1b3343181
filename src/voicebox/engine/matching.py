"""Which `IVR.inputAnalysis` branch an answer matches: digits, the author's words, intents.

Recognised speech is matched exactly first, then tolerantly: a word of five letters or more one
edit away from a known word, or two adjacent words that join into one («во вторите» →
«повторите»), counts as that word — never right after «не» / "not", so a negation is not lost.
A number-only answer («два», "two», «2», «двойку», "five, please") matches a `dtmf` branch. When
the n-best list weighs an agree / refuse answer against its opposite (≥ 20 %), or a number-only
answer against a dictionary intent (≥ 20 %: «Два.» over «Да.»), the answer is `unclear`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from voicebox.scenario_language.format import Branch
from voicebox.scenario_language.keywords import (
    INTENTS,
    Intent,
    get_intent,
    noise_word,
    normalize,
    phrases_regex,
    spoken_digits,
)
from voicebox.telephony.base import Heard
from voicebox.text import within_one_edit

FLIP_WEIGHT = 0.2  # an opposite reading this likely makes an answer unclear
NUMBER_FLOOR = 0.25  # a number-only reading lighter than this is not weighed against noise
_FUZZY_MIN = 5  # letters a word needs before it is matched tolerantly
_CLIPPED_MIN = 6  # letters a word needs to stand for a known word missing its first syllable
_NEGATIONS = frozenset({"не", "not", "no", "dont", "never", "ни"})


@dataclass(frozen=True, slots=True)
class _KeywordTest:
    label: str
    regex: re.Pattern[str] | None
    lost: bool


def _phrase_words(phrases: Iterable[str]) -> set[str]:
    """The words of `phrases`; a trailing `*` keeps its stem with a `*` mark."""
    words: set[str] = set()
    for phrase in phrases:
        prefix = phrase.strip().endswith("*")
        parts = normalize(phrase.rstrip("*")).split()
        for index, word in enumerate(parts):
            words.add(word + "*" if prefix and index == len(parts) - 1 else word)
    return words


@dataclass(frozen=True, slots=True)
class BranchMatcher:
    """One branch compiled once per scenario."""

    dtmf: str | None
    words: re.Pattern[str] | None
    keywords: tuple[_KeywordTest, ...]
    vocabulary: frozenset[str] = field(default=frozenset())  # for tolerant matching
    phrases: tuple[str, ...] = ()  # the author's words and the intents' phrasings (hints)

    @classmethod
    def build(cls, branch: Branch) -> BranchMatcher:
        dtmf = branch.dtmf.strip() if branch.dtmf and branch.dtmf.strip() else None
        words = None
        phrases: list[str] = []
        if branch.words:
            parts = [part for part in branch.words.split(",") if part.strip()]
            words = phrases_regex(parts)
            phrases += [part.strip() for part in parts]
        tests = []
        for keyword in branch.keywords:
            intent: Intent | None = get_intent(keyword.id, keyword.name)
            if intent is not None:
                tests.append(_KeywordTest(intent.name, intent._regex, keyword.lost))
                phrases += intent.phrases
            elif keyword.name:  # not in the dictionary: the name itself is the phrase
                tests.append(_KeywordTest(keyword.name, phrases_regex([keyword.name]), keyword.lost))
                phrases.append(keyword.name)
        return cls(dtmf, words, tuple(tests), frozenset(_phrase_words(phrases)), tuple(phrases))

    def match(self, heard: Heard, padded: str, digits: str = "") -> str | None:
        """What matched (`dtmf`, `words`, or the intent's name), or None.

        `padded` is `" " + normalize(speech) + " "`, computed once per answer; `digits` what a
        number-only answer spells.
        """
        if heard.dtmf:
            return "dtmf" if self.dtmf is not None and heard.dtmf == self.dtmf else None
        if not heard.speech:
            return None
        if digits and self.dtmf is not None and digits == self.dtmf:
            return "dtmf"
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


_GENERIC = frozenset({"agree", "yes"})  # «да», «давайте» often lead into a more specific answer


def dictionary_intent(text: str) -> Intent | None:
    """The dictionary intent `text` says, tolerant matching included: the first in dictionary
    order, except that agreement yields to a more specific intent («давайте потом» → Перезвонить,
    «да, я уже оплатил» → Оплачено)."""
    for candidate in (padded(text), padded(corrected(text, DICTIONARY_WORDS))):
        found = [i for i in INTENTS if i._regex is not None and i._regex.search(candidate)]
        if found:
            specific = [i for i in found if i.code not in _GENERIC]
            return (specific or found)[0]
    return None


# -- tolerant matching ---------------------------------------------------------------------------

DICTIONARY_WORDS = frozenset(_phrase_words(p for intent in INTENTS for p in intent.phrases))


def _closest(word: str, vocabulary: frozenset[str]) -> str | None:
    """The known word `word` is one edit from (a stem counts for its prefix)."""
    if len(word) < _FUZZY_MIN:
        return None
    for known in vocabulary:
        if known.endswith("*"):
            stem = known[:-1]
            if len(stem) >= _FUZZY_MIN and any(
                    within_one_edit(word[:size], stem) for size in (len(stem) - 1, len(stem),
                                                              len(stem) + 1) if size <= len(word)):
                return stem
        elif len(known) >= _FUZZY_MIN and within_one_edit(word, known):
            return known
    if len(word) >= _CLIPPED_MIN:
        # The line swallowed an unstressed first syllable: «вторите» for «повторите».
        clipped = [known.rstrip("*") for known in vocabulary
                   if 0 < len(known.rstrip("*")) - len(word) <= 2 and not known.endswith("*")
                   and known.endswith(word)]
        if len(clipped) == 1:
            return clipped[0]
    return None


def corrected(text: str, vocabulary: frozenset[str]) -> str:
    """`text` normalised, with words that are one edit (or one split) away from a known word
    replaced by it; a word right after a negation is left alone."""
    words = normalize(text).split()
    exact = {word.rstrip("*") for word in vocabulary}
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        negated = bool(out) and out[-1] in _NEGATIONS
        if not negated and word not in exact:
            if i + 1 < len(words) and words[i + 1] not in exact:
                joined = _closest(word + words[i + 1], vocabulary)
                if joined is not None:
                    out.append(joined)
                    i += 2
                    continue
            fixed = _closest(word, vocabulary)
            if fixed is not None:
                out.append(fixed)
                i += 1
                continue
        out.append(word)
        i += 1
    return " ".join(out)


# -- polarity: agree / refuse read the other way round ----------------------------------------

_AGREE = tuple(i for i in INTENTS if i.code in ("agree", "yes"))
_REFUSE = tuple(i for i in INTENTS if i.code in ("refuse", "no"))


def polarity(text: str) -> int:
    """+1 for an agreement, −1 for a refusal, 0 for neither (refusal checked first)."""
    candidate = padded(text)
    if any(i._regex is not None and i._regex.search(candidate) for i in _REFUSE):
        return -1
    if any(i._regex is not None and i._regex.search(candidate) for i in _AGREE):
        return 1
    return 0


def is_unclear(heard: Heard) -> bool:
    """The recogniser said so, or the top reading agrees / refuses while readings with at least
    `FLIP_WEIGHT` of the weight say the opposite, or the top reading is only a number while
    readings with that weight say a dictionary intent (a digit prompt pulls «Да» towards «Два»,
    "Yes" towards "Six")."""
    if heard.unclear:
        return True
    if not heard.speech or not heard.alternatives:
        return False
    if spoken_digits(heard.speech):
        against = sum(weight for text, weight in heard.alternatives
                      if not spoken_digits(text) and dictionary_intent(text) is not None)
        return against >= FLIP_WEIGHT
    top = polarity(heard.speech)
    if top == 0:
        return False
    against = sum(weight for text, weight in heard.alternatives if polarity(text) == -top)
    return against >= FLIP_WEIGHT


# -- pooling: readings that mean the same count as one --------------------------------------------

_SIDE = {"yes": "agree", "no": "refuse"}


def meaning(text: str) -> str:
    """What a reading says, for pooling the n-best list: the digits a number-only answer spells,
    else the dictionary intent it matches (agree and yes as one, refuse and no as one), else its
    words with case, punctuation, ё/е and spaces folded («не интересно» = «Неинтересно.»)."""
    digits = spoken_digits(text)
    if digits:
        return "#" + digits
    found = dictionary_intent(text)
    if found is not None:
        return "@" + _SIDE.get(found.code, found.code)
    return normalize(text).replace(" ", "")


def pooled_confidence(heard: Heard) -> float:
    """The weight of every reading in the n-best list that means what the top one does (at least
    the recogniser's own confidence): «Нет, мне это не интересно.» and «Нет, мне неинтересно.»
    are one answer, not two halves below the minimum confidence.

    A number-only top reading weighing at least `NUMBER_FLOOR` is weighed against the readings
    that say something only: one-word mishearings of the same word («Четыре.» 0.3 beside «Чепи.»,
    «Чупи.», «Шепи.») are the recogniser's doubt about how to spell it, not another answer, and
    another number or an intent still counts against it in full."""
    if not heard.speech or not heard.alternatives:
        return heard.confidence
    top = meaning(heard.speech)
    pooled = sum(weight for text, weight in heard.alternatives if meaning(text) == top)
    if top.startswith("#") and pooled >= NUMBER_FLOOR:
        noise = sum(weight for text, weight in heard.alternatives if noise_word(text))
        pooled /= max(1.0 - noise, pooled)
    return max(heard.confidence, round(min(pooled, 1.0), 4))


def understood(heard: Heard, min_confidence: float) -> bool:
    """Recognised speech an IVR may act on: pooled confidence at least `min_confidence` and not
    `is_unclear`."""
    return pooled_confidence(heard) >= min_confidence and not is_unclear(heard)


def first_match(
    matchers: tuple[BranchMatcher, ...], heard: Heard, text: str | None = None
) -> tuple[int, str] | None:
    """The index of the first matching branch and what matched it (`text`: `padded(speech)`);
    exact matching over every branch first, then tolerant matching."""
    if text is None:
        text = padded(heard.speech) if heard.speech else ""
    digits = spoken_digits(heard.speech) if heard.speech and not heard.dtmf else ""
    for index, matcher in enumerate(matchers):
        how = matcher.match(heard, text, digits)
        if how is not None:
            return index, how
    if not heard.speech or heard.dtmf:
        return None
    vocabulary = DICTIONARY_WORDS.union(*(m.vocabulary for m in matchers))
    fixed = padded(corrected(heard.speech, vocabulary))
    if fixed == text:
        return None
    for index, matcher in enumerate(matchers):
        how = matcher.match(heard, fixed, digits)
        if how is not None:
            return index, how
    return None
