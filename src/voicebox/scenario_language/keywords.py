"""The built-in keyword dictionary: intents that spoken answers are classified into (DESIGN.md §3).

Each intent has a stable id (a numeric string, so clients that send `"id": 3` or `"3"` both
match), a Russian name and Russian + English phrasings. A phrasing is matched as whole words in
the normalised utterance (case, punctuation and ё/е ignored); a trailing `*` makes its last word a
prefix (`соглас*` covers согласен, согласна, согласны). A phrasing preceded by «не» / "not" does not
count, so «не интересно» is no agreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_APOSTROPHES = re.compile(r"['’`ʼ]")
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Lower case, ё→е, apostrophes dropped, every run of punctuation or space → one space."""
    text = _APOSTROPHES.sub("", text.lower().replace("ё", "е"))
    return _NON_WORD.sub(" ", text).strip()


def _phrase_pattern(phrase: str) -> str:
    prefix = phrase.endswith("*")
    words = normalize(phrase.rstrip("*")).split()
    body = " ".join(re.escape(word) for word in words)
    return body + (r"\w*" if prefix else "")


def phrases_regex(phrases: list[str] | tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex finding any of `phrases` as whole words in `" " + normalize(text) + " "`."""
    patterns = [p for p in (_phrase_pattern(phrase) for phrase in phrases) if p]
    if not patterns:
        return None
    patterns.sort(key=len, reverse=True)
    return re.compile(r"(?<! не)(?<! not) (?:" + "|".join(patterns) + r")(?= )")


@dataclass(frozen=True)
class Intent:
    """One dictionary entry."""

    id: str
    name: str
    code: str
    phrases: tuple[str, ...]
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", phrases_regex(self.phrases))

    def matches(self, text: str) -> bool:
        """True when any phrasing occurs in `text` (raw or already normalised)."""
        if self._regex is None:
            return False
        return self._regex.search(f" {normalize(text)} ") is not None

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "code": self.code, "phrases": list(self.phrases)}


INTENTS: tuple[Intent, ...] = (
    Intent(
        "1",
        "Согласие",
        "agree",
        (
            "да",
            "конечно",
            "соглас*",
            "хорошо",
            "ладно",
            "давайте",
            "давай",
            "интересно",
            "подходит",
            "устраивает",
            "верно",
            "правильно",
            "можно",
            "готов*",
            "не против",
            "ок",
            "окей",
            "угу",
            "ага",
            "разумеется",
            "безусловно",
            "yes",
            "yeah",
            "yep",
            "sure",
            "of course",
            "ok",
            "okay",
            "agree*",
            "fine",
            "sounds good",
            "interested",
            "go ahead",
            "thats right",
            "all right",
            "alright",
            "correct",
        ),
    ),
    Intent(
        "2",
        "Отказ",
        "refuse",
        (
            "нет",
            "не надо",
            "не нужно",
            "не интересно",
            "не хочу",
            "не буду",
            "отказ*",
            "неа",
            "не согласен",
            "не согласна",
            "не подходит",
            "не звоните",
            "ни в коем случае",
            # Fused forms: recognisers often write the negation and the word as one.
            "неинтересно",
            "ненадо",
            "ненужно",
            "нехочу",
            "небуду",
            "несоглас*",
            "неподходит",
            "незвоните",
            "no",
            "nope",
            "not interested",
            "no thanks",
            "dont want",
            "refuse*",
            "dont call",
        ),
    ),
    Intent(
        "3",
        "Перезвонить",
        "call_back",
        (
            "перезвон*",
            "позвоните позже",
            "позвоните завтра",
            "позже",
            "попозже",
            "не сейчас",
            "в другой раз",
            "в другое время",
            "потом",
            "call back",
            "call me back",
            "call later",
            "call me later",
            "later",
            "not now",
            "not right now",
            "another time",
            "несейчас",
        ),
    ),
    Intent(
        "4",
        "Оператор",
        "operator",
        (
            "оператор*",
            "человек*",
            "специалист*",
            "менеджер*",
            "консультант*",
            "сотрудник*",
            "живой",
            "соедините",
            "переключите",
            "operator",
            "agent",
            "human",
            "person",
            "representative",
            "real person",
        ),
    ),
    Intent(
        "5",
        "Повторить",
        "repeat",
        (
            "повтор*",
            "повторите",  # spelt out too, so tolerant matching knows the whole word
            "еще раз",
            "не расслышал*",
            "не понял*",
            "не слышно",
            "что что",
            "что вы сказали",
            "что вы говорите",
            "repeat",
            "again",
            "pardon",
            "say again",
            "sorry what",
            "come again",
        ),
    ),
    Intent(
        "6",
        "Не знаю",
        "dont_know",
        (
            "не знаю",
            "затрудняюсь",
            "не уверен*",
            "сложно сказать",
            "трудно сказать",
            "не помню",
            "i dont know",
            "dont know",
            "not sure",
            "no idea",
        ),
    ),
    Intent(
        "7",
        "Занят",
        "busy",
        (
            "занят*",
            "неудобно",
            "не могу говорить",
            "за рулем",
            "на работе",
            "на совещании",
            "busy",
            "cant talk",
            "driving",
            "in a meeting",
        ),
    ),
    Intent(
        "8",
        "Оплачено",
        "already_paid",
        (
            "уже оплатил*",
            "оплатил*",
            "заплатил*",
            "оплачено",
            "оплачен",
            "внес* платеж",
            "перевел* деньги",
            "погасил*",
            "already paid",
            "paid",
            "i paid",
            "payment made",
            "settled",
        ),
    ),
    Intent(
        "9",
        "Неправильный номер",
        "wrong_number",
        (
            "не туда попали",
            "ошиблись номером",
            "неправильный номер",
            "неверный номер",
            "это не я",
            "такого нет",
            "такой здесь не живет",
            "вы ошиблись",
            "wrong number",
            "wrong person",
            "no one by that name",
        ),
    ),
    Intent(
        "10",
        "Автоответчик",
        "answering_machine",
        (
            "автоответчик",
            "оставьте сообщение",
            "после сигнала",
            "после звукового сигнала",
            "абонент не может ответить",
            "голосовой помощник",
            "голосовой ассистент",
            "я виртуальный помощник",
            "вас приветствует",
            "leave a message",
            "after the tone",
            "after the beep",
            "voicemail",
            "voice mail",
            "not available",
            "virtual assistant",
        ),
    ),
    Intent(
        "11",
        "Да",
        "yes",
        (
            "да",
            "ага",
            "угу",
            "конечно",
            "верно",
            "так точно",
            "yes",
            "yeah",
            "yep",
            "yup",
        ),
    ),
    # No bare «не»: it turned any misheard «не …» into Нет.
    Intent("12", "Нет", "no", ("нет", "неа", "no", "nope", "nah")),
)

_BY_ID = {intent.id: intent for intent in INTENTS}
_BY_KEY = {normalize(intent.name): intent for intent in INTENTS} | {
    intent.code: intent for intent in INTENTS
}
_BY_KEY["уже оплатил"] = _BY_ID["8"]


def get_intent(id: str | int | None = None, name: str | None = None) -> Intent | None:
    """The intent with this id, else with this name or code (case and ё/е insensitive)."""
    if id is not None and str(id).strip() in _BY_ID:
        return _BY_ID[str(id).strip()]
    for key in (name, id):
        if isinstance(key, str) and key.strip():
            intent = _BY_KEY.get(normalize(key)) or _BY_KEY.get(key.strip().lower())
            if intent is not None:
                return intent
    return None


def list_intents() -> list[dict[str, object]]:
    """The dictionary as JSON objects, in id order."""
    return [intent.to_json() for intent in INTENTS]


DIGIT_WORDS: dict[str, str] = {
    "ноль": "0", "нуль": "0", "нолик": "0", "один": "1", "одна": "1", "одну": "1",
    "единица": "1", "единицу": "1", "единичка": "1", "единичку": "1", "два": "2", "две": "2",
    "двойка": "2", "двойку": "2", "три": "3", "тройка": "3", "тройку": "3", "четыре": "4",
    "четверка": "4", "четверку": "4", "пять": "5", "пятерка": "5", "пятерку": "5", "шесть": "6",
    "шестерка": "6", "шестерку": "6", "семь": "7", "семерка": "7", "семерку": "7",
    "восемь": "8", "восьмерка": "8", "восьмерку": "8", "девять": "9", "девятка": "9",
    "девятку": "9",
    # English, with the homophones a recogniser writes for a lone digit ("to", "won", "ate").
    "zero": "0", "oh": "0", "one": "1", "won": "1", "two": "2", "to": "2", "too": "2",
    "three": "3", "four": "4", "for": "4", "fore": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "ate": "8", "nine": "9",
}
# Words that name what follows («номер пять», "option four", "I said two"): before the digits
# only, so "Four. Number." (how "Wrong number" came back) spells nothing.
_DIGIT_NAMES = frozenset({
    "номер", "цифра", "цифру", "нажимаю", "выбираю", "вариант", "пункт", "я", "хочу", "давайте",
    "number", "option", "press", "digit", "the", "i", "said", "say", "its", "choose", "pick",
})
# Ordinals name a menu's choice as well as its digit does («второй», «вариант третий», "the
# first one"). Not "second": "one second" is asking to wait.
_ORDINAL_STEMS = {
    "перв": "1", "втор": "2", "трет": "3", "четверт": "4", "пят": "5", "шест": "6", "седьм": "7",
    "восьм": "8", "девят": "9", "нулев": "0",
}
_ORDINAL_ENDINGS = ("ый", "ий", "ой", "ая", "ья", "ое", "ье", "ого", "его", "ьего", "ую", "ью",
                    "ом", "ем", "ьем")
ORDINAL_WORDS: dict[str, str] = {
    stem + ending: digit for stem, digit in _ORDINAL_STEMS.items() for ending in _ORDINAL_ENDINGS
    if not (stem == "трет" and ending in ("ый", "ой", "ая", "ое", "ого", "ую", "ом"))
} | {"first": "1", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7",
     "eighth": "8", "ninth": "9"}
# What an ordinal may name after it («второй вариант», "the first one", "third option").
_ORDINAL_NOUNS = frozenset({"вариант", "пункт", "номер", "one", "option", "choice"})
_DIGIT_FILLERS = frozenset({  # hesitation and politeness, anywhere
    "ну", "эээ", "ээ", "э", "эм", "мм", "ммм", "пожалуйста", "um", "uh", "hmm", "please",
})
DIGIT_HINTS: dict[str, tuple[str, ...]] = {
    "ru": ("один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять", "ноль"),
    "en": ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "zero"),
}
_CYRILLIC_WORD = re.compile("^[а-я]+$")


def spoken_digits(text: str) -> str:
    """The digits an answer that is only a number spells («два», "two", «2», «один два» → "12",
    «двойку», "five, please", «второй вариант», "the first one"), or "" when it says anything
    else."""
    digits: list[str] = []
    ordinal = False
    for word in normalize(text).split():
        if ordinal and word in _ORDINAL_NOUNS:
            ordinal = False
            continue
        ordinal = word in ORDINAL_WORDS
        if ordinal:
            digits.append(ORDINAL_WORDS[word])
        elif word.isdigit():
            digits.append(word)
        elif word in DIGIT_WORDS:
            digits.append(DIGIT_WORDS[word])
        elif word in _DIGIT_NAMES and not digits:
            continue
        elif word not in _DIGIT_FILLERS:
            near = _near_digit(word)
            if near is None:
                return ""
            digits.append(near)
    return "".join(digits)


def noise_word(text: str) -> bool:
    """One word that is no number and no dictionary answer («Чепи.», «Ни.», "Fiery."): what a
    recogniser makes of a word it half heard, never an answer an IVR could act on."""
    return len(normalize(text).split()) == 1 and not spoken_digits(text) and \
        not any(intent.matches(text) for intent in INTENTS)


def _near_digit(word: str) -> str | None:
    """A Russian digit word of four letters or more misspelt by one letter («адин», «читыре») or
    without its final soft sign («восем»).
    Not English: the recogniser writes real English words, and one letter away from a digit
    word is another word ("right", "fine", "nice", "none"), not a misspelling."""
    if len(word) < 4 or not _CYRILLIC_WORD.match(word):
        return None
    if word + "ь" in DIGIT_WORDS:  # the soft sign not heard: «восем», «девят», «шест»
        return DIGIT_WORDS[word + "ь"]
    for known, digit in DIGIT_WORDS.items():
        if len(known) >= 4 and len(known) == len(word) and \
                sum(a != b for a, b in zip(known, word, strict=True)) == 1:
            return digit
    return None
