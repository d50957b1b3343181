"""Streamed prompts: how soon an uncached prompt's first frame can go out, against its whole
render (what a player waited for before prompts streamed).

    .venv/bin/python bench/prompt_stream.py [--sentences 5,30] [--engines espeak,piper]

For each engine and prompt length: the time to the engine's first piece (`SpeechService.stream`,
fresh cache), the time to its last piece, and the time `synthesize` takes for the same text
rendered whole (fresh cache), with the prompt's audio length. Wall-clock seconds on this
machine; run it alone (`uptime` is printed: the figures scale with the load).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from voicebox.media.audio import duration, read_prompt
from voicebox.media.tts import SpeechService, build_engine

SENTENCE = "This is sentence number {n} of a long prompt that nobody has heard yet."


async def measure(name: str, sentences: int) -> tuple[float, float, float, float]:
    text = " ".join(SENTENCE.format(n=n) for n in range(1, sentences + 1))
    with tempfile.TemporaryDirectory() as streamed, tempfile.TemporaryDirectory() as whole:
        engine = build_engine(name, None)
        speech = SpeechService([engine], cache_dir=Path(streamed), order={"en": (name,)})
        await speech.start()
        began = time.perf_counter()
        first = None
        async for _ in speech.stream(text, {"voice": name}, language="en"):
            first = first if first is not None else time.perf_counter() - began
        last = time.perf_counter() - began
        speech.cache.root = Path(whole)
        began = time.perf_counter()
        path = await speech.synthesize(text, {"voice": name}, language="en")
        rendered = time.perf_counter() - began
        await speech.close()
        return first or 0.0, last, rendered, duration(read_prompt(path))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", default="5,30")
    parser.add_argument("--engines", default="espeak,piper")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f}")
    print(f"{'engine':8} {'audio s':>8} {'first piece s':>14} {'last piece s':>13} "
          f"{'whole render s':>15}")
    for name in args.engines.split(","):
        for count in (int(n) for n in args.sentences.split(",")):
            first, last, rendered, seconds = await measure(name, count)
            print(f"{name:8} {seconds:8.1f} {first:14.3f} {last:13.3f} {rendered:15.3f}")


if __name__ == "__main__":
    asyncio.run(main())
