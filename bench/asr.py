"""Speech recognition and machine detection benchmark on a labelled ru + en set made at run time
in callers' voices (never the robot's), through μ-law with noise and leading silence.

Prints intent accuracy (free decoding with hints, and closed-set scoring: the argmax of the
candidates' teacher-forced likelihood with the same prompt, no "none of these"), agree↔refuse flips,
spoken-digit accuracy (0–9, each in two voices, judged as an IVR would: number-only, not unclear,
confident enough), false digits (the intent answers heard again with the digit hints: any digit
read from them is a false match), the AMD confusion (each greeting heard whole, and as detectAI
hears it on a call: cut at its listening time, heard on when that said too little), latency
(median, p90) and utterances per second, with the machine's load average.

    .venv/bin/python bench/asr.py [--quick] [--threads 2] [--seed 1] [--seeds 1,2,3] [--more-voices]
                                  [--amd-only]

`--more-voices` adds the ten digits and the intent answers (heard with the digit hints: false
digits) in voices the simulator never uses (MORE_VOICES: six English, four Russian), so a
change is also measured on voices it was not tuned on.

`--seeds` makes the set once per seed (the same phrases and voices, other noise, level and
lead-in) and pools the counts: 20 digits a language a seed is coarse (one sample is 5 points),
so the pooled row and the per-seed digit rows say more than one seed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from voicebox.engine import EngineConfig
from voicebox.engine.matching import dictionary_intent, understood
from voicebox.media import digit_rescue
from voicebox.media.amd import AmdResult, AmdTiming, MachineDetector
from voicebox.media.asr import Transcript, WhisperRecognizer
from voicebox.media.caller_voices import CALLER_VOICES, CallerSpeech, CallerVoice, over_the_line
from voicebox.media.listen import Listener
from voicebox.media.models import ensure_whisper_base
from voicebox.scenario_language.keywords import DIGIT_HINTS, INTENTS, spoken_digits
from voicebox.telephony.base import Heard
from voicebox.text import detect_language

INTENT_SET = {
    "ru": [
        ("agree", "Да, конечно"), ("agree", "Да, согласен"), ("agree", "Хорошо, давайте"),
        ("agree", "Ладно"), ("refuse", "Нет, спасибо"), ("refuse", "Не интересно"),
        ("refuse", "Мне это не интересно"), ("refuse", "Не надо"), ("refuse", "Нет, не хочу"),
        ("call_back", "Перезвоните позже"), ("call_back", "Давайте потом"),
        ("operator", "Соедините с оператором"), ("operator", "Позовите человека"),
        ("repeat", "Повторите, пожалуйста"), ("repeat", "Что вы сказали?"),
        ("dont_know", "Я не знаю"), ("busy", "Я сейчас занят"), ("busy", "Я за рулём"),
        ("already_paid", "Я уже оплатил"), ("wrong_number", "Вы ошиблись номером"),
    ],
    "en": [
        ("agree", "Yes, sure"), ("agree", "Okay, go ahead"), ("agree", "Yes, I agree"),
        ("refuse", "No, thanks"), ("refuse", "I'm not interested"), ("refuse", "No"),
        ("call_back", "Call me back later"), ("call_back", "Not now, call later"),
        ("operator", "I want to talk to an operator"), ("repeat", "Can you repeat that?"),
        ("dont_know", "I don't know"), ("busy", "I'm busy right now"),
        ("already_paid", "I already paid"), ("wrong_number", "Wrong number"),
    ],
}
DIGIT_SET = {
    "ru": ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
}
GREETINGS = {
    "ru": [
        ("human", "Алло?", False), ("human", "Да, слушаю.", False), ("human", "Алло, кто это?", False),
        ("human", "Да, здравствуйте, слушаю вас внимательно, говорите, что вы хотели?", False),
        ("machine", "Здравствуйте, абонент не может ответить. Оставьте сообщение после сигнала.",
         True),
        ("machine", "Вы позвонили Ивану. Сейчас я не могу ответить, оставьте сообщение.", False),
        ("assistant", "Здравствуйте, я голосовой помощник. Представьтесь и скажите, по какому "
                      "вы вопросу.", False),
        ("assistant", "Привет, это виртуальный ассистент Анны. Что вы хотели передать?", False),
    ],
    "en": [
        ("human", "Hello?", False), ("human", "Yes, speaking.", False),
        ("human", "Hi, this is John, who is calling and what do you want from me?", False),
        ("machine", "Hi, you have reached Mary. Please leave a message after the tone.", True),
        ("machine", "The person you are calling is not available. Please leave a message.",
         False),
        ("assistant", "Hi, I am a call assistant. Please state your name and the purpose of your "
                      "call.", False),
    ],
}
# Voices for --more-voices only: not the simulator's callers (CALLER_VOICES), so nothing is tuned on them.
MORE_VOICES = {
    "en": (CallerVoice("espeak", "en-us+f2", 0, 1.0), CallerVoice("espeak", "en+m5", -100, 1.1),
           CallerVoice("piper", "", 150, 1.0), CallerVoice("piper", "", -150, 1.1),
           CallerVoice("espeak", "en-gb+m3", 200, 0.95),
           CallerVoice("espeak", "en-us+f4", -50, 1.05)),
    "ru": (CallerVoice("festival", "", 100, 1.0), CallerVoice("festival", "", -100, 1.1),
           CallerVoice("festival", "", 600, 0.9), CallerVoice("festival", "", -500, 1.0)),
}
DETECT_SECONDS = EngineConfig().detect_seconds  # how long detectAI listens on a call
BEEP = (0.4 * 32767 * np.sin(2 * np.pi * 1000 * np.arange(4000) / 8000)).astype("<i2").tobytes()
FLIP = {"agree": "refuse", "refuse": "agree", "yes": "no", "no": "yes"}
SIDE = {"yes": "agree", "no": "refuse"}


def intent_hints(language: str) -> list[str]:
    return [p.rstrip("*") for i in INTENTS for p in i.phrases
            if detect_language(p) == language and i.code not in ("answering_machine",)]


def closed_set(language: str) -> list[tuple[str, str]]:
    """(code, phrase): the first few phrasings of each intent, the candidates an IVR knows."""
    out = []
    for intent in INTENTS:
        if intent.code in ("answering_machine", "yes", "no"):
            continue
        phrases = [p.rstrip("*") for p in intent.phrases if detect_language(p) == language]
        out += [(intent.code, p) for p in phrases[:4]]
    return out


def cut(pcm: bytes) -> bytes:
    """What the Listener would hand the recogniser."""
    listener = Listener(wait_seconds=len(pcm) / 16000 + 1, end_silence=1.5)
    pcm += bytes(-len(pcm) % 320)
    for i in range(0, len(pcm), 320):
        listener.push(pcm[i:i + 320])
    utterance = listener.finish()
    return utterance.pcm if utterance else b""


def ivr_digits(heard: Transcript) -> str:
    """The digits an IVR would take from `heard`: number-only, confident, not unclear."""
    answer = Heard(speech=heard.text, confidence=heard.confidence,
                   alternatives=heard.alternatives)
    if not heard.text or not understood(answer, 0.4):
        return ""
    return spoken_digits(heard.text)


def digits_heard(recognizer: WhisperRecognizer, utterance: bytes, language: str) -> str:
    """What an IVR with digit branches takes from `utterance` (decoded with the digit hints)."""
    return ivr_digits(recognizer.decode(utterance, language, list(DIGIT_HINTS[language])))


async def detected(recognizer: WhisperRecognizer, pcm: bytes, language: str, timing: AmdTiming,
                   listen: float | None = None) -> AmdResult:
    """The detector's verdict on the whole greeting, or (`listen`) as detectAI hears it on a call:
    cut at `listen` seconds and, when what was heard said too little, heard on to `timing.total`
    (telephony/media_leg.py `detect_machine`)."""
    detector = MachineDetector(timing, recognizer=recognizer, language=language)
    frames = [pcm[i:i + 320] for i in range(0, len(pcm) - 319, 320)]
    at = 0

    async def hear(until: float) -> AmdResult:
        nonlocal at
        while at < min(round(until * 50), len(frames)) and not detector.done:
            detector.push(frames[at])
            at += 1
        detector.finish()
        return await detector.result()

    if listen is None:
        return await hear(len(frames) / 50)
    verdict = await hear(listen)
    if detector.listens_on(verdict):
        detector.resume()
        verdict = await hear(max(listen, timing.total))
    return detector.with_beep(verdict)


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} % ({part}/{whole})" if whole else "—"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="half the set")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", default="", help="comma-separated seeds, pooled (overrides --seed)")
    parser.add_argument("--no-closed", action="store_true", help="skip closed-set scoring")
    parser.add_argument("--more-voices", action="store_true",
                        help="digits and false digits in voices the simulator never uses")
    parser.add_argument("--amd-only", action="store_true",
                        help="machine detection only (the greetings, whole and as detectAI hears them)")
    parser.add_argument("--readings", action="store_true",
                        help="print every digit sample's voice and n-best readings")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()] or [args.seed]
    load_before = os.getloadavg()

    speech = CallerSpeech()
    # (seed, kind, language, label, voice, pcm on the line)
    samples: list[tuple[int, str, str, str, str, bytes]] = []
    rngs = {seed: random.Random(seed) for seed in seeds}  # one per seed, as with --seed alone
    for seed, (language, voices) in ((s, v) for s in seeds for v in CALLER_VOICES.items()):
        rng = rngs[seed]
        items = [("intent", code, text, n) for n, (code, text) in enumerate(INTENT_SET[language])]
        items += [("digit", str(i), word, i + shift) for shift in (0, 1)
                  for i, word in enumerate(DIGIT_SET[language])]
        if args.quick:
            items = items[::2]
        for kind, label, text, n in items:
            voice = voices[n % len(voices)]
            pcm = await speech.say(text, language, voice)
            samples.append((seed, kind, language, label, voice.label, over_the_line(
                pcm, rng, snr_db=rng.uniform(18, 30), gain=rng.uniform(0.3, 1.0))))
        for n, (label, text, beep) in enumerate(GREETINGS[language]):
            voice = voices[(n + 1) % len(voices)]
            pcm = await speech.say(text, language, voice)
            if beep:
                pcm += bytes(4000) + BEEP
            samples.append((seed, "amd", language, label, voice.label,
                            over_the_line(pcm, rng) + bytes(16000)))
        samples.append((seed, "amd", language, "unknown", "", bytes(48000)))
    for seed in seeds if args.more_voices else ():
        rng = random.Random(seed + 1000)
        for language, voices in MORE_VOICES.items():
            for voice in voices:
                said = [("more-digit", str(i), word) for i, word in enumerate(DIGIT_SET[language])]
                said += [("more-answer", code, text) for code, text in INTENT_SET[language]]
                for kind, label, text in said:
                    pcm = await speech.say(text, language, voice)
                    samples.append((seed, kind, language, label, voice.label, over_the_line(
                        pcm, rng, snr_db=rng.uniform(18, 30), gain=rng.uniform(0.3, 1.0))))
    await speech.close()

    model = ensure_whisper_base(Path(tempfile.gettempdir()) / "voicebox-bench" / "whisper-base")
    recognizer = WhisperRecognizer(model, threads=args.threads)
    started = time.perf_counter()
    await recognizer.start()
    load_seconds = time.perf_counter() - started

    free_ok, closed_ok, flips, closed_flips, total = Counter(), Counter(), 0, 0, Counter()
    digit_ok, digit_closed_ok, digit_total = Counter(), Counter(), Counter()
    false_digits, digit_negatives = Counter(), Counter()
    latencies, closed_latencies, mistakes = [], [], []
    amd = Counter()
    human_as_robot = 0
    amd_cut: Counter[bool] = Counter()
    human_as_robot_cut = 0
    timing = AmdTiming()
    run_started = time.perf_counter()
    decoded = 0
    readings = []
    seed_digits: Counter[tuple[int, str]] = Counter()
    seed_total: Counter[tuple[int, str]] = Counter()
    more_ok, more_total, more_false, more_answers = Counter(), Counter(), Counter(), Counter()
    for seed, kind, language, label, voice_label, pcm in samples:
        if args.amd_only and kind != "amd":
            continue
        if kind == "amd":
            verdict = await detected(recognizer, pcm, language, timing)
            amd[(label, verdict.kind)] += 1
            human_as_robot += label == "human" and verdict.is_robot
            if verdict.kind != label:
                mistakes.append(f"amd {language} {label} → {verdict.kind} ({verdict.cause}: "
                                f"{verdict.transcript!r})")
            cut_short = await detected(recognizer, pcm, language, timing, listen=DETECT_SECONDS)
            amd_cut[label == cut_short.kind] += 1
            human_as_robot_cut += label == "human" and cut_short.is_robot
            if cut_short.kind != label:
                mistakes.append(f"amd in {DETECT_SECONDS:g} s {language} {label} → "
                                f"{cut_short.kind} ({cut_short.cause}: {cut_short.transcript!r})")
            continue
        if kind in ("more-digit", "more-answer"):
            utterance = cut(pcm)
            said = digits_heard(recognizer, utterance, language) if utterance else ""
            if kind == "more-digit":
                more_total[language] += 1
                more_ok[language] += said == label
                wrong = said != label
            else:
                more_answers[language] += 1
                more_false[language] += bool(said)
                wrong = bool(said)
            if wrong:
                mistakes.append(f"more voices, {kind} {language} {label} ({voice_label}): "
                                f"→ {said or '-'}")
            continue
        utterance = cut(pcm)
        hints = intent_hints(language) if kind == "intent" else list(DIGIT_HINTS[language])
        t0 = time.perf_counter()
        heard = recognizer.decode(utterance, language, hints) if utterance else None
        latencies.append(time.perf_counter() - t0)
        decoded += 1
        text = heard.text if heard else ""
        if kind == "intent" and utterance:
            # The same answer to a digit question: any digit read from it is a false match.
            digit_negatives[language] += 1
            said = digits_heard(recognizer, utterance, language)
            false_digits[language] += bool(said)
            if said:
                mistakes.append(f"false digit {language} {label}: → {said}")
        if kind == "intent":
            total[language] += 1
            answer = Heard(speech=text, confidence=heard.confidence if heard else 0,
                           alternatives=heard.alternatives if heard else ())
            found = dictionary_intent(text) if text else None
            code = found.code if found and understood(answer, 0.4) else ""
            code = SIDE.get(code, code)
            free_ok[language] += code == label
            flips += code == FLIP.get(label)
            if code != label:
                why = f" (confidence {heard.confidence:.2f}, readings " \
                      f"{[(t, round(w, 2)) for t, w in heard.alternatives[:4]]})" \
                    if heard and found and not code else ""
                mistakes.append(f"free {language} {label}: {text!r} → {code or '-'}{why}")
            if not args.no_closed:
                candidates = closed_set(language)
                t0 = time.perf_counter()
                scores = recognizer.score(utterance, language, [p for _, p in candidates],
                                          intent_hints(language)) if utterance else []
                closed_latencies.append(time.perf_counter() - t0)
                best = max(range(len(scores)), key=scores.__getitem__) if scores else None
                chosen = candidates[best][0] if best is not None else ""
                closed_ok[language] += chosen == label
                closed_flips += chosen == FLIP.get(label)
                if chosen != label:
                    mistakes.append(f"closed {language} {label}: → {chosen or '-'}")
        else:
            digit_total[language] += 1
            said = ivr_digits(heard) if heard else ""
            digit_ok[language] += said == label
            seed_digits[(seed, language)] += said == label
            seed_total[(seed, language)] += 1
            readings.append(f"{language} {label} {voice_label:22} {'ok ' if said == label else 'MISS'}"
                            f" {[(t, round(w, 2)) for t, w in heard.alternatives[:4]] if heard else []}")
            if said != label:
                why = ""
                if heard and spoken_digits(text) and not said:
                    why = f" (confidence {heard.confidence:.2f}, readings " \
                          f"{[(t, round(w, 2)) for t, w in heard.alternatives[:4]]})"
                mistakes.append(f"digit {language} {label}: {text!r}{why}")
            if not args.no_closed and utterance:
                words = digit_rescue.candidates(language)
                t0 = time.perf_counter()
                scores = recognizer.score(utterance, language, words, DIGIT_HINTS[language])
                closed_latencies.append(time.perf_counter() - t0)
                chosen = spoken_digits(words[max(range(len(scores)), key=scores.__getitem__)])
                digit_closed_ok[language] += chosen == label
    elapsed = time.perf_counter() - run_started

    silence_words = [recognizer.decode(bytes(32000), "ru", intent_hints("ru")).text]
    hiss = (np.random.default_rng(args.seed).normal(0, 600, 16000)).astype("<i2").tobytes()
    silence_words.append(recognizer.decode(hiss, "ru", intent_hints("ru")).text)

    print(f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores; model load {load_seconds:.1f} s; "
          f"{len(samples)} samples, seeds {','.join(map(str, seeds))}")
    print(f"{'':36} {'ru':>22} {'en':>22} {'all':>22}")
    rows = [("intents, free + hints", free_ok, total),
            ("intents, closed set", closed_ok, total),
            ("digits, free + digit prompt", digit_ok, digit_total),
            ("digits, closed set", digit_closed_ok, digit_total),
            ("false digits (non-number answers)", false_digits, digit_negatives)]
    if args.more_voices:
        rows += [("digits, more voices", more_ok, more_total),
                 ("false digits, more voices", more_false, more_answers)]
    for name, ok, whole in rows:
        if args.no_closed and "closed" in name:
            continue
        print(f"{name:36} {pct(ok['ru'], whole['ru']):>22} {pct(ok['en'], whole['en']):>22} "
              f"{pct(sum(ok.values()), sum(whole.values())):>22}")
    for seed in seeds if len(seeds) > 1 else ():
        print(f"{f'digits, seed {seed}':36} "
              f"{pct(seed_digits[(seed, 'ru')], seed_total[(seed, 'ru')]):>22} "
              f"{pct(seed_digits[(seed, 'en')], seed_total[(seed, 'en')]):>22}")
    print(f"agree↔refuse flips: free {flips}" +
          ("" if args.no_closed else f", closed set {closed_flips}"))
    labels = ["human", "machine", "assistant", "unknown"]
    right = sum(amd[(label, label)] for label in labels)
    print(f"AMD accuracy {pct(right, sum(amd.values()))}; human called a robot: {human_as_robot}")
    print(f"AMD as detectAI hears it ({DETECT_SECONDS:g} s, a greeting cut short heard on to "
          f"{timing.total:g} s): {pct(amd_cut[True], sum(amd_cut.values()))}; "
          f"human called a robot: {human_as_robot_cut}")
    print("AMD confusion (row: truth, column: verdict)")
    print(f"{'':12}" + "".join(f"{label:>11}" for label in labels))
    for truth in labels:
        print(f"{truth:12}" + "".join(f"{amd[(truth, v)]:>11}" for v in labels))
    if latencies:
        p90 = sorted(latencies)[int(0.9 * (len(latencies) - 1))]
        print(f"free decoding latency median {statistics.median(latencies):.2f} s, "
              f"p90 {p90:.2f} s; {decoded / elapsed:.2f} utterances/s overall (AMD included)")
    if closed_latencies:
        p90 = sorted(closed_latencies)[int(0.9 * (len(closed_latencies) - 1))]
        print(f"closed-set scoring latency median {statistics.median(closed_latencies):.2f} s, "
              f"p90 {p90:.2f} s")
    print(f"silence / noise → {silence_words!r}")
    if args.readings:
        print("digit readings (language, digit, voice, verdict, n-best):")
        for line_ in readings:
            print("  " + line_)
    print("mistakes:")
    for line_ in mistakes:
        print("  " + line_)


if __name__ == "__main__":
    asyncio.run(main())
