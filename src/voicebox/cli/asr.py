"""`voicebox asr transcribe | detect`: the recogniser and the machine detector on WAV files, one
JSON line per file (the stable surface scripts and the bench rely on).

Exit codes: 0 all files done, 1 some file could not be read (its line carries `error`),
2 recognition is off or unavailable.
"""

from __future__ import annotations

import asyncio
import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from voicebox.config import get_settings
from voicebox.engine.matching import dictionary_intent, pooled_confidence, understood
from voicebox.errors import MediaError
from voicebox.media.amd import AmdTiming, MachineDetector
from voicebox.media.asr import RecognitionService, Recognizer, start_service
from voicebox.media.audio import read_prompt
from voicebox.media.listen import FRAME_BYTES, Listener
from voicebox.scenario_language.keywords import DIGIT_HINTS, INTENTS, spoken_digits
from voicebox.telephony.base import Heard

app = typer.Typer(help="Speech recognition and answering-machine detection on WAV files.",
                  no_args_is_help=True)


class Language(enum.StrEnum):
    ru = "ru"
    en = "en"


class Expect(enum.StrEnum):
    intents = "intents"
    digits = "digits"


def _emit(value: dict[str, Any]) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False))


def _frames(pcm: bytes) -> list[bytes]:
    pcm += bytes(-len(pcm) % FRAME_BYTES)
    return [pcm[i:i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]


def expected_hints(language: str, expect: str | None, extra: list[str]) -> list[str]:
    """The hints an IVR of that kind would give the recogniser."""
    hints: list[str] = []
    if expect == "intents":
        from voicebox.text import detect_language

        hints = [p.rstrip("*") for intent in INTENTS for p in intent.phrases
                 if detect_language(p) == language and intent.code != "answering_machine"]
    elif expect == "digits":
        hints = list(DIGIT_HINTS[language])
    return list(dict.fromkeys([*extra, *hints]))


async def transcribe_file(service: Recognizer, pcm: bytes, *, language: str,
                          hints: list[str], min_confidence: float) -> dict[str, Any]:
    """What an IVR would make of this answer: text, confidence, intent code, spoken digits."""
    listener = Listener(wait_seconds=len(pcm) / 16000 + 1, end_silence=1.5)
    for frame in _frames(pcm):
        listener.push(frame)
        if listener.done:
            break
    utterance = listener.finish()
    if utterance is None:
        return {"text": "", "confidence": 0.0, "intent": "", "digits": ""}
    heard = await service.transcribe(utterance.pcm, language=language, hints=hints)
    answer = Heard(speech=heard.text, confidence=heard.confidence,
                   alternatives=heard.alternatives)
    intent = dictionary_intent(heard.text) if heard.text else None
    clear = understood(answer, min_confidence)
    return {"text": heard.text, "confidence": pooled_confidence(answer),
            "intent": intent.code if intent is not None and clear else "",
            "digits": spoken_digits(heard.text)}


async def detect_file(service: Recognizer, pcm: bytes, *, language: str,
                      timing: AmdTiming) -> dict[str, Any]:
    detector = MachineDetector(timing, recognizer=service, language=language)
    # The file's end is the speaker falling silent: hear that silence too.
    pcm += bytes(2 * round((timing.after_greeting_silence + 0.1) * 8000))
    for frame in _frames(pcm):
        detector.push(frame)
        if detector.done:
            break
    detector.finish()
    verdict = await detector.result()
    return {"kind": verdict.kind, "confidence": verdict.confidence, "cause": verdict.cause}


async def _run(files: list[Path], work: Any) -> int:
    settings = get_settings()
    try:
        service: RecognitionService = await start_service(settings)
    except MediaError as exc:
        return _off(str(exc))
    if not service.enabled:
        return _off("speech recognition is off (VOICEBOX_ASR=off or no model)")
    failed = False
    try:
        for path in files:
            try:
                pcm = read_prompt(path)
            except (MediaError, OSError) as exc:
                failed = True
                message = exc.message if isinstance(exc, MediaError) else (
                    f"{path.name}: {exc.strerror or exc}")
                _emit({"file": str(path), "error": message})
                continue
            _emit({"file": str(path), **await work(service, pcm)})
    finally:
        await service.close()
    return 1 if failed else 0


def _off(reason: str) -> int:
    typer.echo(f"error: {reason}", err=True)
    return 2


FilesArg = Annotated[list[Path], typer.Argument(help="8 kHz mono 16-bit WAV files")]
LanguageOpt = Annotated[Language, typer.Option("--language", help="what the speakers speak")]


@app.command("transcribe")
def transcribe(
    files: FilesArg,
    language: LanguageOpt = Language.ru,
    expect: Annotated[Expect | None, typer.Option(help="hint the recogniser like an IVR")] = None,
    hint: Annotated[list[str] | None, typer.Option(help="an expected phrase (repeatable)")] = None,
) -> None:
    """Print {"file", "text", "confidence", "intent", "digits"} for each file."""
    settings = get_settings()
    hints = expected_hints(language.value, expect.value if expect else None, hint or [])

    async def work(service: Recognizer, pcm: bytes) -> dict[str, Any]:
        return await transcribe_file(service, pcm, language=language.value, hints=hints,
                                     min_confidence=settings.asr_min_confidence)

    raise typer.Exit(asyncio.run(_run(files, work)))


@app.command("detect")
def detect(files: FilesArg, language: LanguageOpt = Language.ru) -> None:
    """Print {"file", "kind", "confidence", "cause"} for each file (human, machine, assistant,
    unknown)."""
    timing = AmdTiming.from_settings(get_settings())

    async def work(service: Recognizer, pcm: bytes) -> dict[str, Any]:
        return await detect_file(service, pcm, language=language.value, timing=timing)

    raise typer.Exit(asyncio.run(_run(files, work)))
