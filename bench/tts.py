"""TTS benchmark: start-up, cold synthesis (engine warm, phrase new) and cached lookups per
offline engine, plus DTMF decoding speed. Prints a table.

    .venv/bin/python bench/tts.py [--phrases 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from voicebox.media.audio import duration, read_prompt
from voicebox.media.dtmf import decode_dtmf, dtmf_tones
from voicebox.media.espeak import EspeakEngine
from voicebox.media.festival import FestivalEngine
from voicebox.media.piper import PiperEngine
from voicebox.media.tts import SpeechService

PHRASES = {
    "ru": ["Здравствуйте, это банк.", "Нажмите один, если согласны.", "Спасибо, до свидания.",
           "Ваш платёж получен.", "Соединяю с оператором.", "Повторите, пожалуйста.",
           "Вы хотите перезвонить позже?", "Ваш заказ доставлен."],
    "en": ["Hello, this is your bank.", "Press one to confirm.", "Thank you, goodbye.",
           "Your payment was received.", "Connecting you to an agent.", "Please say that again.",
           "Would you like a call back later?", "Your order has been delivered."],
}


async def bench_engine(engine, language: str, count: int, root: Path) -> list[str]:
    started = time.perf_counter()
    tts = SpeechService([engine], cache_dir=root / engine.name / language,
                        order={language: [engine.name]})
    await tts.start()
    startup = time.perf_counter() - started
    cold, cached, audio = [], [], 0.0
    for phrase in PHRASES[language][:count]:
        t = time.perf_counter()
        path = await tts.synthesize(phrase, {"voice": engine.name}, language=language)
        cold.append(time.perf_counter() - t)
        audio += duration(read_prompt(path))
        t = time.perf_counter()
        await tts.synthesize(phrase, {"voice": engine.name}, language=language)
        cached.append(time.perf_counter() - t)
    await tts.close()
    return [f"{engine.name}/{language}", f"{startup * 1000:.0f}",
            f"{statistics.median(cold) * 1000:.0f}", f"{max(cold) * 1000:.0f}",
            f"{statistics.median(cached) * 1000:.2f}", f"{sum(cold) / audio:.3f}"]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phrases", type=int, default=5)
    args = parser.parse_args()
    rows = [["engine", "start ms", "cold p50 ms", "cold max ms", "cached p50 ms", "RTF"]]
    with tempfile.TemporaryDirectory() as tmp:
        for engine, language in [(FestivalEngine(), "ru"), (PiperEngine(), "en"),
                                 (EspeakEngine(), "ru"), (EspeakEngine(), "en")]:
            rows.append(await bench_engine(engine, language, args.phrases, Path(tmp)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    tones = dtmf_tones("0123456789*#ABCD" * 10)
    t = time.perf_counter()
    assert decode_dtmf(tones) == "0123456789*#ABCD" * 10
    elapsed = time.perf_counter() - t
    print(f"\nDTMF decode: {duration(tones) / elapsed:.0f}× real time "
          f"({duration(tones):.1f} s of audio in {elapsed * 1000:.1f} ms)")


if __name__ == "__main__":
    asyncio.run(main())
