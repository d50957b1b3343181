"""A compiled scenario's fixed prompts synthesised in the background, so a campaign's (or an
inbound number's) first calls find them in the TTS cache instead of waiting for them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from voicebox.engine import Program, fixed_prompts

log = logging.getLogger(__name__)

# Per scenario version, in the order a call meets them: the greeting and the first questions
# are what a caller would wait for; the rest still render on demand.
MAX_PROMPTS = 20
Version = tuple[int, datetime | None]  # a scenario's id and when it was last changed


class Preparer(Protocol):
    """The process's speech service (`media.tts.SpeechService`)."""

    async def prepare(self, texts: Iterable[str], settings: Any = None) -> int: ...


class PromptWarmer:
    """One per process, shared by the program caches of the dialer and the inbound answerer.
    Scenario versions are prepared in the order they were compiled, one prompt at a time (the
    engines are CPU-bound), each version once; a failure is a warning, never a call's."""

    def __init__(self, speech: Preparer, *, limit: int = MAX_PROMPTS):
        self.speech = speech
        self.limit = limit
        self.prepared = 0  # prompts rendered or found cached
        self._seen: set[Version] = set()
        self._queue: deque[tuple[Version, Program]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def warm(self, key: Version, program: Program) -> None:
        """Queue `program`'s fixed prompts, once per scenario version; returns at once."""
        if self._closed or key in self._seen:
            return
        self._seen.add(key)
        self._queue.append((key, program))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="prompt warm-up")

    async def _run(self) -> None:
        while self._queue:
            key, program = self._queue.popleft()
            prompts = fixed_prompts(program, limit=self.limit)
            if not prompts:
                continue
            try:
                self.prepared += await self.speech.prepare(
                    [prompt.text or "" for prompt in prompts], prompts[0].voice)
            except Exception as exc:  # the calls render on demand: nothing is lost but time
                log.warning("preparing the prompts of scenario %d (version %s) failed: %s",
                            key[0], key[1], exc)

    async def drained(self) -> None:
        """Until everything queued so far is prepared."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def close(self) -> None:
        """Stop preparing (a render a call is also playing goes on for that call)."""
        self._closed = True
        self._queue.clear()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
