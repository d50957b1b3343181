"""Matching recognised speech: negations, number-only answers, the dictionary fixes, tolerant
words, and n-best answers that read both ways."""

import pytest

from voicebox.engine.matching import (
    BranchMatcher,
    corrected,
    dictionary_intent,
    first_match,
    is_unclear,
    meaning,
    polarity,
    pooled_confidence,
)
from voicebox.scenario_language.format import Branch
from voicebox.scenario_language.keywords import get_intent, spoken_digits
from voicebox.telephony.base import Heard


def matchers(*branches):
    return tuple(BranchMatcher.build(Branch.model_validate(b)) for b in branches)


AGREE_REFUSE = matchers({"keywords": [{"id": "1"}]}, {"keywords": [{"id": "2"}]})


@pytest.mark.parametrize(("text", "branch"), [
    ("да, конечно", 0), ("Yes, I agree.", 0), ("нет", 1), ("не интересно", 1),
    ("Неинтересно.", 1), ("мне это неинтересно", 1), ("не надо", 1), ("Not interested", 1),
    ("я несогласен", 1), ("не согласна", 1),
])
def test_agree_and_refuse_never_swap(text, branch):
    assert first_match(AGREE_REFUSE, Heard(speech=text))[0] == branch


@pytest.mark.parametrize(("text", "digits"), [
    ("два", "2"), ("Два.", "2"), ("two", "2"), ("2", "2"), ("Three!", "3"), ("номер пять", "5"),
    ("один два", "12"), ("два рубля", ""), ("да", ""), ("", ""), ("Адин.", "1"),
    ("читыре", "4"), ("дво", ""),
    # Colloquial Russian digit names, homophones a recogniser writes for a lone digit, and the
    # politeness around a number.
    ("Двойку.", "2"), ("нажимаю единицу", "1"), ("Восьмёрка", "8"), ("нолик", "0"),
    ("Won.", "1"), ("Ate.", "8"), ("To.", "2"), ("Five, please.", "5"), ("Пять, пожалуйста.", "5"),
    ("Um, seven.", "7"), ("option 4", "4"), ("№ 3", "3"),
    # The soft sign not heard.
    ("Восем.", "8"), ("девят", "9"),
    # A menu's choice by its ordinal, and the words people put before a number.
    ("Второй.", "2"), ("второй вариант", "2"), ("Вариант третий.", "3"), ("Четвёртую", "4"),
    ("Давайте пятый, пожалуйста", "5"), ("First.", "1"), ("The first one.", "1"),
    ("third option", "3"), ("I said two.", "2"), ("It's seven.", "7"), ("Я выбираю девятый", "9"),
    ("Хочу два", "2"), ("пункт 3", "3"),
])
def test_spoken_digits(text, digits):
    assert spoken_digits(text) == digits


@pytest.mark.parametrize("text", [
    # One letter from an English digit word is another English word, not a misspelling.
    "Right.", "Fine.", "Nice.", "None.", "Night.", "Your.", "Line.",
    # Answers that merely hold a digit-sounding word.
    "Too bad.", "For what?", "for peak, please", "What?", "Hey.", "I'm...", "Two of them.",
    "Да, два раза", "Пятый этаж", "Давай",
    # A naming word comes before the number: "Wrong number" came back as "Four. Number.".
    "Four. Number.", "Пять номер",
    # Ordinals that name something else, and "one second" (wait).
    "Первый раз слышу", "Пятница", "One second, please.", "Second.", "The first time.",
    "Я второй раз говорю",
])
def test_answers_that_are_not_a_number_spell_no_digits(text):
    assert spoken_digits(text) == ""
    menu = matchers({"dtmf": "1"}, {"dtmf": "2"}, {"dtmf": "4"}, {"dtmf": "8"}, {"dtmf": "9"})
    assert first_match(menu, Heard(speech=text)) is None


def test_number_only_answer_matches_a_dtmf_branch():
    menu = matchers({"dtmf": "1", "words": "баланс"}, {"dtmf": "2", "words": "оператор"})
    assert first_match(menu, Heard(speech="Два.")) == (1, "dtmf")
    assert first_match(menu, Heard(speech="two")) == (1, "dtmf")
    assert first_match(menu, Heard(speech="2")) == (1, "dtmf")
    assert first_match(menu, Heard(speech="один")) == (0, "dtmf")
    assert first_match(menu, Heard(speech="два оператора")) == (1, "words")
    assert first_match(menu, Heard(speech="пять")) is None
    assert first_match(menu, Heard(speech="Двойку, пожалуйста.")) == (1, "dtmf")
    assert first_match(menu, Heard(speech="Won.")) == (0, "dtmf")


def test_right_now_is_not_agreement_and_bare_ne_is_not_no():
    assert get_intent("1").matches("right now") is False
    assert get_intent("1").matches("that's right") is True
    assert dictionary_intent("not right now").code == "call_back"
    assert get_intent("12").matches("не знаю") is False
    assert get_intent("12").matches("нет") is True


@pytest.mark.parametrize(("text", "code"), [
    ("во вторите пожалуйста", "repeat"),  # two words joined
    ("пошторите", "repeat"),  # one edit
    ("перезвание мне завтра", "call_back"),  # one edit on a stem's prefix
    ("павтарите", None),  # two edits: no guess
    ("соглосен", "agree"),  # one edit on a stem
    ("не соглосен", None),  # never right after «не»: the negation must not be lost
    ("оператар", "operator"),
    ("вторите, пожалуйста", "repeat"),  # the first syllable swallowed
    ("интересно", "agree"),  # a known word is never read as a longer one
])
def test_tolerant_matching(text, code):
    intent = dictionary_intent(text)
    assert (intent.code if intent else None) == code


def test_tolerance_never_touches_short_words():
    assert corrected("дв нт", frozenset({"два", "нет"})) == "дв нт"


def test_polarity():
    assert polarity("да") == 1 and polarity("нет, не интересно") == -1
    assert polarity("не интересно") == -1 and polarity("Интересно!") == 1
    assert polarity("перезвоните") == 0


def test_an_answer_whose_readings_disagree_is_unclear():
    clear = Heard(speech="да", alternatives=(("да", 0.9), ("нет", 0.1)))
    flipped = Heard(speech="Интересно!", alternatives=(("Интересно!", 0.7),
                                                        ("не интересно", 0.3)))
    assert not is_unclear(clear)
    assert is_unclear(flipped)
    assert is_unclear(Heard(speech="да", unclear=True))
    assert not is_unclear(Heard(speech="перезвоните", alternatives=(("перезвоните", 0.5),
                                                                    ("нет", 0.5))))


def test_a_number_read_against_an_intent_is_unclear():
    """Under the digit prompt «Да» may come back as «Два.»: a number-only reading is unclear
    while readings with ≥ 20 % of the weight say a dictionary intent."""
    assert is_unclear(Heard(speech="Два.", alternatives=(("Два.", 0.6), ("Да.", 0.4))))
    assert is_unclear(Heard(speech="Six.", alternatives=(("Six.", 0.7), ("Yes.", 0.3))))
    assert not is_unclear(Heard(speech="Два.", alternatives=(("Два.", 0.9), ("Да.", 0.1))))
    # Other numbers and words that are no intent leave a number clear.
    assert not is_unclear(Heard(speech="Eight.", alternatives=(("Eight.", 0.5), ("8", 0.2),
                                                                ("Hey.", 0.3))))
    assert not is_unclear(Heard(speech="Два.", alternatives=(("Два.", 0.5), ("Три.", 0.5))))


def test_readings_that_mean_the_same_pool_their_weight():
    """One caller's «нет, мне это не интересно» split its weight between spellings and came out
    at 0.31, below the minimum: readings with the same meaning count as one answer."""
    split = Heard(speech="Нет, мне это не интересно.", confidence=0.31, alternatives=(
        ("Нет, мне это не интересно.", 0.31), ("Нет, мне это неинтересно.", 0.29),
        ("Нет, мне не интересно!", 0.2), ("Интересно.", 0.1), ("Мне это...", 0.1)))
    assert pooled_confidence(split) == pytest.approx(0.8)
    assert meaning("НЕ ИНТЕРЕСНО") == meaning("неинтересно") == meaning("Нет.")
    assert meaning("Два.") == meaning("2") == meaning("двойку") != meaning("Да.")
    assert meaning("Ещё раз") == meaning("еще, раз!")
    # Another meaning takes nothing from the top one; no alternatives: the recogniser's word.
    assert pooled_confidence(Heard(speech="Да.", confidence=0.5, alternatives=(
        ("Да.", 0.5), ("Два.", 0.3), ("Нет.", 0.2)))) == 0.5
    assert pooled_confidence(Heard(speech="да", confidence=0.9)) == 0.9


def test_a_number_is_weighed_against_answers_not_against_mishearings_of_it():
    """Festival's «четыре» came back as «Четыре.» 0.30 beside «Чипи.», «Чепи.», «Чупи.»: one-word
    readings that say nothing are doubt about the spelling, not another answer. Another number
    or an intent still counts in full, and a light number is never raised."""
    def heard(*readings):
        return Heard(speech=readings[0][0], confidence=readings[0][1], alternatives=readings)

    assert pooled_confidence(heard(("Четыре.", 0.3), ("Чипи.", 0.24), ("Чепи.", 0.16),
                                   ("Чупи.", 0.13), ("Пять.", 0.17))) == round(0.3 / 0.47, 4)
    # Other numbers and intents are answers: 0.30 against 0.70 of them stays 0.30.
    assert pooled_confidence(heard(("Семь.", 0.3), ("Шесть.", 0.3), ("Четыре.", 0.2),
                                   ("Да.", 0.2))) == 0.3
    # Longer readings are somebody saying something: they count against the number.
    assert pooled_confidence(heard(("Zero.", 0.33), ("I want to talk", 0.4), ("Fury.", 0.27))) \
        == round(0.33 / 0.73, 4)
    # Below NUMBER_FLOOR the number is not raised, and words are never weighed this way.
    assert pooled_confidence(heard(("Два.", 0.2), ("Ни.", 0.5), ("Ну.", 0.3))) == 0.2
    assert pooled_confidence(heard(("Да.", 0.3), ("Дар.", 0.4), ("Дат.", 0.3))) == 0.3


# -- through the IVR step ---------------------------------------------------------------------

def _ivr(chain):
    ask = {"type": "IVR", "name": "ask", "announcement": {"text": "Оплатите до пятницы?"},
           "awaitingTime": 4, "repeatCount": 1,
           "inputAnalysis": [{"keywords": [{"id": "1"}], "success": "yes"},
                             {"keywords": [{"id": "2"}], "success": "no"},
                             {"dtmf": "3", "success": "three"}],
           "onNoInput": "silent", "onInvalidInput": "invalid"}
    ends = [{"type": "ReleaseCall", "name": n} for n in ("yes", "no", "three", "silent",
                                                          "invalid")]
    return chain(ask, *ends)


def _went(outcome):
    return outcome.trace[1].next_state


async def test_ivr_low_confidence_or_unclear_is_asked_again_then_invalid(run, chain):
    flip = Heard(speech="Интересно!", confidence=0.7,
                 alternatives=(("Интересно!", 0.7), ("не интересно", 0.3)))
    outcome, _ = await run(_ivr(chain), [flip, Heard(speech="нет", confidence=0.9)])
    assert _went(outcome) == "no"
    assert outcome.trace[1].detail["attempt"] == 2
    outcome, _ = await run(_ivr(chain), [Heard(speech="да", confidence=0.2)] * 2)
    assert _went(outcome) == "invalid"
    step = outcome.trace[1].detail
    assert step["unclear"] is True and step["text"] == "да" and step["confidence"] == 0.2


async def test_ivr_takes_an_answer_whose_spellings_split_the_weight(run, chain):
    split = Heard(speech="Нет, мне это не интересно.", confidence=0.31, alternatives=(
        ("Нет, мне это не интересно.", 0.31), ("Нет, мне неинтересно.", 0.29),
        ("Нет, не интересно.", 0.2), ("Мне это...", 0.2)))
    outcome, _ = await run(_ivr(chain), [split])
    assert _went(outcome) == "no"
    assert outcome.trace[1].detail["confidence"] == pytest.approx(0.8)


async def test_ivr_records_what_was_recognised_and_takes_a_spoken_digit(run, chain):
    heard = Heard(speech="Три.", confidence=0.8, alternatives=(("Три.", 0.8), ("три", 0.2)),
                  asr_ms=310)
    outcome, _ = await run(_ivr(chain), [heard])
    assert _went(outcome) == "three"
    detail = outcome.trace[1].detail
    assert detail["matched"] == "dtmf" and detail["asr_ms"] == 310
    assert detail["alternatives"] == [["Три.", 0.8], ["три", 0.2]]


def test_ivr_tells_the_recogniser_what_to_expect():
    from voicebox.engine.steps.ivr import IVRStep
    from voicebox.scenario_language.format import IVRState

    state = IVRState.model_validate(_ivr(lambda *s: list(s))[0] | {"name": "ask"})
    step = IVRStep(state)
    assert step.language == "ru"
    assert {"да", "нет", "не интересно", "три"} <= set(step.hints)
    assert "yes" not in step.hints


@pytest.mark.parametrize(("text", "code"), [
    ("давайте потом", "call_back"), ("да, я уже оплатил", "already_paid"), ("да, конечно", "agree"),
    ("нет, не надо", "refuse"), ("yes", "agree"),
])
def test_agreement_yields_to_a_more_specific_intent(text, code):
    assert dictionary_intent(text).code == code


@pytest.mark.parametrize("immediate", [True, False])
async def test_immediate_stt_reaches_the_listener(chain, immediate):
    """`immediateStt` asks the call to end the answer at the speaker's first pause."""
    from voicebox.engine import run_scenario
    from voicebox.scenario_language.format import ScenarioBody
    from voicebox.telephony.base import VirtualClock
    from voicebox.telephony.scripted import ScriptedCall

    class Asked(ScriptedCall):
        immediate: list[bool]

        async def collect(self, **options):
            self.immediate.append(options.get("immediate", False))
            return await super().collect(**options)

    states = _ivr(chain)
    states[1] = {**states[1], "voiceInput": True, "immediateStt": immediate}
    clock = VirtualClock()
    call = Asked(clock, [Heard(speech="нет", confidence=0.9)])
    call.immediate = []
    outcome = await run_scenario(ScenarioBody.model_validate({"title": "t", "states": states}),
                                 call, clock=clock)
    assert _went(outcome) == "no" and call.immediate == [immediate]
