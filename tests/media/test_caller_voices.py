"""Callers' voices are repeatable: the same phrase in the same voice is the same audio in every
process, so recognition tests and bench/asr.py hear what they heard last session."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys

from voicebox.media.caller_voices import CALLER_VOICES, CallerSpeech

_RENDER = """
import asyncio, hashlib, sys
from voicebox.media.caller_voices import CALLER_VOICES, CallerSpeech

async def main():
    speech = CallerSpeech()
    pcm = await speech.say(sys.argv[1], "en", CALLER_VOICES["en"][int(sys.argv[2])])
    await speech.close()
    print(hashlib.sha256(pcm).hexdigest())

asyncio.run(main())
"""


async def test_piper_caller_voice_renders_the_same_audio_in_every_process() -> None:
    text, index = "Eight. Call me back later.", 0
    assert CALLER_VOICES["en"][index].engine == "piper"
    speech = CallerSpeech()
    try:
        first = await speech.say(text, "en", CALLER_VOICES["en"][index])
        again = await speech.say(text, "en", CALLER_VOICES["en"][index])
    finally:
        await speech.close()
    assert first and first == again
    # piper's noise was drawn per render and per process: another process must match too.
    other = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", _RENDER, text, str(index)],
        capture_output=True, text=True, check=True, timeout=120)
    assert other.stdout.strip() == hashlib.sha256(first).hexdigest()
