"""Festival with the `msu_ru_nsh_clunits` voice (Debian `festvox-ru`): the most intelligible
offline Russian. One long-running `festival --pipe` process serves every phrase."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import shutil
import tempfile
from pathlib import Path

from voicebox.errors import MediaError
from voicebox.media.audio import Pcm, read_wav, silence, transform
from voicebox.media.base import EMOTION_PITCH_CENTS, SpeechSettings

log = logging.getLogger(__name__)
# The Russian voice's letter-to-sound rules abort the whole utterance on a symbol they do not
# know (№, —, \\, ~ …), so symbols are spelled out or dropped first.
_SPOKEN = {"№": " номер ", "%": " процентов ", "&": " и ", "—": ", ", "–": ", ", "…": ". ",
           "«": " ", "»": " ", "_": " "}
_UNSPEAKABLE = re.compile(r"[^\w\s.,!?;:'\"()+\-]")


def scheme_string(text: str) -> str:
    """`text` as a Scheme string literal the Russian voice can read (one line, UTF-8)."""
    for symbol, spoken in _SPOKEN.items():
        text = text.replace(symbol, spoken)
    words: list[str] = []
    for token in _UNSPEAKABLE.sub(" ", text).split():
        if any(ch.isalnum() for ch in token):
            words.append(token)
        elif words:  # lone punctuation is a "word" without letters to the voice: attach it
            words[-1] += token.strip("'\"()+-")
    return '"' + " ".join(words).replace('"', '\\"') + '"'


class FestivalEngine:
    """`speed` → sox `tempo` (clunits ignores Duration_Stretch), `emotion` → sox `pitch`.

    Festival is single-threaded, so phrases are serialised on one process; each request ends with
    a `(print "<marker>")` so we know when its file is written. A process that dies or hangs is
    killed and started again on the next phrase."""

    name = "festival"
    languages = frozenset({"ru"})

    def __init__(self, voice: str = "msu_ru_nsh_clunits", *, timeout: float = 60.0):
        self.voice = voice
        self.timeout = timeout
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._ids = itertools.count()
        self._tmp = Path(tempfile.mkdtemp(prefix="voicebox-festival-"))

    async def start(self) -> None:
        async with self._lock:
            await self._ensure()

    async def _ensure(self) -> asyncio.subprocess.Process:
        if self._proc is not None and self._proc.returncode is None:
            return self._proc
        if shutil.which("festival") is None:
            raise MediaError("TTS engine festival: not installed (apt-get install festival festvox-ru)")
        await asyncio.to_thread(self._tmp.mkdir, parents=True, exist_ok=True)  # gone after close()
        # stdbuf: festival block-buffers stdout on a pipe and our markers would never arrive.
        cmd = ["stdbuf", "-oL", "festival", "--pipe"] if shutil.which("stdbuf") else [
            "festival", "--pipe"]
        self._proc = await asyncio.create_subprocess_exec(
            *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, cwd=self._tmp,
        )
        try:
            lines = await self._command(f"(voice_{self.voice})")
        except MediaError:
            await self._kill()
            raise
        if any("SIOD ERROR" in line or "unbound variable" in line for line in lines):
            await self._kill()
            raise MediaError(
                f"TTS engine festival: voice {self.voice} is not installed (apt-get install festvox-ru)"
            )
        return self._proc

    async def _command(self, expr: str) -> list[str]:
        """Send one expression and return festival's output lines up to our marker."""
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        marker = f"voicebox-done-{next(self._ids)}"
        self._proc.stdin.write(f'{expr}\n(print "{marker}")\n'.encode())
        lines: list[str] = []
        try:
            await self._proc.stdin.drain()
            async with asyncio.timeout(self.timeout):
                while True:
                    raw = await self._proc.stdout.readline()
                    if not raw:
                        raise MediaError("festival exited: " + " ".join(lines[-3:]))
                    line = raw.decode(errors="replace").strip()
                    if marker in line:
                        return lines
                    lines.append(line)
        except (TimeoutError, ConnectionError, BrokenPipeError) as exc:
            await self._kill()
            raise MediaError(f"festival did not answer: {exc or 'timeout'}") from exc

    def cache_key(self, settings: SpeechSettings, language: str) -> str:
        return f"festival/{self.voice}/{settings.speed}/{settings.emotion}"

    async def synthesize(self, text: str, settings: SpeechSettings, language: str) -> Pcm:
        literal = scheme_string(text)
        if literal == '""':
            return silence(0.2)  # only symbols: nothing the voice can say
        out = self._tmp / f"{next(self._ids)}.wav"
        async with self._lock:
            await self._ensure()
            lines = await self._command(
                f"(utt.save.wave (SynthText {literal}) \"{out.name}\" 'riff)"
            )
        try:
            pcm, rate, _ = await asyncio.to_thread(read_wav, out)
        except (MediaError, FileNotFoundError) as exc:
            raise MediaError(f"festival failed: {' '.join(lines[-3:]) or exc}") from exc
        finally:
            out.unlink(missing_ok=True)
        return await transform(
            pcm, rate=rate, tempo=settings.rate, pitch_cents=EMOTION_PITCH_CENTS[settings.emotion]
        )

    async def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def close(self) -> None:
        async with self._lock:
            await self._kill()
        shutil.rmtree(self._tmp, ignore_errors=True)
