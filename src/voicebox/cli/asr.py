"""`voicebox asr transcribe | detect`: the recogniser and the machine detector on audio files, one
JSON line per file (the stable surface scripts and the bench rely on).

Any WAV / MP3 / OGG the project's decoder reads (`load_audio`) is heard as the telephone would
carry it (8 kHz mono 16-bit); a file already in that format is read without a subprocess.
Exit codes: 0 all files done, 1 some file could not be read (its line carries `error`),
2 recognition is off or unavailable (found at the first readable file, so a run of unreadable
files never loads the model).
"""

from __future__ import annotations

import asyncio
import enum
import json
import stat
from pathlib import Path
from typing import Annotated, Any

import typer

from voicebox.config import get_settings
from voicebox.engine.matching import dictionary_intent, pooled_confidence, understood
from voicebox.errors import MediaError
from voicebox.media.amd import AmdTiming, MachineDetector
from voicebox.media.asr import RecognitionService, Recognizer, start_service
from voicebox.media.audio import Pcm
from voicebox.media.decode import load_audio
from voicebox.media.listen import FRAME_BYTES, Listener
from voicebox.scenario_language.keywords import DIGIT_HINTS, INTENTS, spoken_digits
from voicebox.telephony.base import Heard

app = typer.Typer(help="Speech recognition and answering-machine detection on audio files.",
                  no_args_is_help=True)


class Language(enum.StrEnum):
    ru = "ru"
    en = "en"


class Expect(enum.StrEnum):
    intents = "intents"
    digits = "digits"


def _emit(value: dict[str, Any]) -> None:
    line = json.dumps(value, ensure_ascii=False)
    try:
        line.encode()
    except UnicodeEncodeError:  # a file name that is not UTF-8: escaped, still one JSON line
        line = json.dumps(value)
    typer.echo(line)


async def read_input(path: Path, *, max_seconds: float) -> Pcm:
    """A file given on the command line → telephony PCM; MediaError saying what is wrong.

    A file longer than `max_seconds` (the uploads' limit, 10 minutes by default) is refused
    rather than cut: recognition hears one answer (at most 10 s of speech) and detection the
    first seconds, so a longer file is most likely the wrong one; and the limit bounds what a
    file costs (10 minutes: 10 MB of PCM, about 3 s of voice-activity detection)."""
    await asyncio.to_thread(_check_file, path)
    return await load_audio(path, max_seconds=max_seconds)


def _check_file(path: Path) -> None:
    name = path.name or str(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise MediaError(f"{name}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise MediaError(f"{name}: is a directory")
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
        raise MediaError(f"{name}: not a regular file")
    if info.st_size == 0:
        raise MediaError(f"{name}: the file is empty")


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
    service: RecognitionService | None = None
    failed = False
    try:
        for path in files:
            try:
                pcm = await read_input(path, max_seconds=settings.audio_max_seconds)
            except MediaError as exc:
                failed = True
                _emit({"file": str(path), "error": exc.message})
                continue
            if service is None:  # the model loads only once there is something to hear
                try:
                    service = await start_service(settings)
                except MediaError as exc:
                    return _off(str(exc))
                if not service.enabled:
                    return _off("speech recognition is off (VOICEBOX_ASR=off or no model)")
            _emit({"file": str(path), **await work(service, pcm)})
    finally:
        if service is not None:
            await service.close()
    return 1 if failed else 0


def _off(reason: str) -> int:
    typer.echo(f"error: {reason}", err=True)
    return 2


FilesArg = Annotated[list[Path], typer.Argument(
    help="WAV (any rate and channels; PCM, μ-law, A-law), MP3 or OGG files")]
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
