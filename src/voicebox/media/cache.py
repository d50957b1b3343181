"""Synthesised prompts on disk, by content hash, so a campaign synthesises each prompt once.

With a shared storage backend (a bucket) the machines share the cache too: a miss on the local
disk looks for `tts/<hash>.wav` in storage before synthesising, and a new render is put there.
The local folder stays the fast path.

A prompt can also be rendered as a stream (`stream`): its pieces go to every listener as the
engine makes them and the file is written, atomically, only once the whole prompt is in. When
every listener leaves first (a barged-in or hung-up prompt) the render is stopped and nothing is
written: the cache never holds a truncated prompt."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from pathlib import Path

from voicebox.errors import MediaError
from voicebox.media.audio import Pcm, read_prompt, write_wav
from voicebox.storage import Storage, StorageError
from voicebox.waiters import Waiters

log = logging.getLogger(__name__)


class PromptCache:
    """`<root>/<2 hex>/<sha256>.wav` in the telephony format. Concurrent requests for one key
    share a single synthesis, whole (`get_or_create`) or streamed (`stream`) alike; a failed
    synthesis is not cached."""

    def __init__(self, root: Path, *, storage: Storage | None = None):
        self.root = Path(root)
        self.storage = storage
        self.shared = 0  # misses served from storage (rendered by another machine)
        self.hits = 0
        self.misses = 0
        self._pending: dict[str, asyncio.Future[Path]] = {}  # in-flight syntheses by key
        self._streams: dict[str, StreamingRender] = {}  # in-flight streamed renders by key

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode())
            digest.update(b"\x00")
        return digest.hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    async def get_or_create(self, key: str, make: Callable[[], Awaitable[Pcm]]) -> Path:
        """The cached file for `key`, made with `make()` on a miss. The work runs in its own task,
        so a caller that is cancelled (its call hung up) does not fail the others waiting."""
        task = self._pending.get(key)
        if task is None:
            task = asyncio.ensure_future(self._create(key, make))
            self._pending[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        else:
            self.hits += 1
        return await asyncio.shield(task)

    def _finished(self, key: str, task: asyncio.Future[Path]) -> None:
        self._pending.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here too: every waiter may have gone

    async def _create(self, key: str, make: Callable[[], Awaitable[Pcm]]) -> Path:
        path = self.path(key)
        render = self._live(key)
        if render is not None and await render.follow() and await asyncio.to_thread(path.is_file):
            self.hits += 1  # a call was already streaming it: that render is the one made
            return path
        if await self._present(key, path):
            return path
        self.misses += 1
        return await self._store(key, await make())

    async def stream(self, key: str, make: Callable[[], AsyncGenerator[Pcm, None]]
                     ) -> AsyncGenerator[Pcm, None]:
        """The prompt for `key` as PCM pieces: the cached file in one piece, or `make()`'s
        pieces as they come (shared with every concurrent listener of `key`), cached once the
        render is complete."""
        render = self._live(key)
        if render is None:
            path = await self._ready(key)
            render = self._live(key)  # started meanwhile
            if render is None and path is None and key in self._pending:
                path = await self._ready(key)  # a whole render began while we looked
            if render is None and path is not None:
                yield await asyncio.to_thread(read_prompt, path)
                return
        if render is None:
            self.misses += 1
            render = self._streams[key] = StreamingRender(
                make(), self.path(key), lambda path: self._share(key, path))
            render.task.add_done_callback(lambda _: self._forget(key, render))
        else:
            self.hits += 1
        async with aclosing(render.listen()) as pieces:
            async for piece in pieces:
                yield piece

    def _live(self, key: str) -> StreamingRender | None:
        """The streamed render of `key` still under way for its listeners, if any (one whose
        last listener left is being stopped: a new request starts afresh)."""
        render = self._streams.get(key)
        return None if render is None or render.stopping else render

    def _forget(self, key: str, render: StreamingRender) -> None:
        if self._streams.get(key) is render:
            del self._streams[key]

    @property
    def rendering(self) -> int:
        """Streamed renders under way."""
        return len(self._streams)

    async def _ready(self, key: str) -> Path | None:
        """The cached file for `key` when it exists locally, in storage or is being made whole;
        None when it must be rendered."""
        pending = self._pending.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        path = self.path(key)
        return path if await self._present(key, path) else None

    async def _store(self, key: str, pcm: Pcm) -> Path:
        path = await asyncio.to_thread(write_wav, self.path(key), pcm)
        await self._share(key, path)
        return path

    async def _share(self, key: str, path: Path) -> None:
        if self.storage is not None:
            try:
                await self.storage.put_file(self.storage_key(key), path)
            except StorageError as error:  # the local cache still works
                log.warning("sharing prompt %s failed: %s", key, error)

    @staticmethod
    def storage_key(key: str) -> str:
        return f"tts/{key}.wav"

    async def _present(self, key: str, path: Path) -> bool:
        """The file for `key` is in the local cache, or was copied there from storage (counted)."""
        if await asyncio.to_thread(path.is_file):
            self.hits += 1
            return True
        if await self._fetch(key, path):
            self.shared += 1
            return True
        return False

    async def _fetch(self, key: str, path: Path) -> bool:
        """Copy the prompt from storage into the local cache; False when it is not there."""
        if self.storage is None:
            return False
        try:
            if not await self.storage.exists(self.storage_key(key)):
                return False
            source = await self.storage.local_path(self.storage_key(key))
        except StorageError as error:
            log.warning("looking up shared prompt %s failed: %s", key, error)
            return False

        def copy() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_name(f".{uuid.uuid4().hex}.part")
            shutil.copyfile(source, part)
            part.replace(path)

        await asyncio.to_thread(copy)
        return True


class StreamingRender:
    """One prompt being rendered as a stream for any number of listeners. The pieces are kept
    (each listener plays from the first); the whole prompt is written to `path` (atomically)
    when the engine is done, before the listeners hear that it is complete, then `share`d. The
    render runs in its own task, so a listener leaving does not stop it for the others; the
    last one leaving before the end cancels it (the engine is stopped, nothing is written)."""

    def __init__(self, pieces: AsyncGenerator[Pcm, None], path: Path,
                 share: Callable[[Path], Awaitable[None]]):
        self.parts: list[Pcm] = []
        self.complete = False
        self.stopping = False  # every listener left before the end
        self.listeners = 0
        self._error: BaseException | None = None
        self._waiters = Waiters()
        self.task = asyncio.ensure_future(self._run(pieces, path, share))
        self.task.add_done_callback(self._finished)

    async def _run(self, pieces: AsyncGenerator[Pcm, None], path: Path,
                   share: Callable[[Path], Awaitable[None]]) -> None:
        async with aclosing(pieces):
            async for piece in pieces:
                if piece:
                    self.parts.append(piece)
                    self._waiters.wake()
        try:
            await asyncio.to_thread(write_wav, path, b"".join(self.parts))
        except OSError as error:  # the listeners have the audio: only the cache lost it
            log.warning("caching a streamed prompt failed: %s", error)
            self.complete = True
            self._waiters.wake()
            return
        self.complete = True
        self._waiters.wake()
        await share(path)

    def _finished(self, task: asyncio.Future[None]) -> None:
        if task.cancelled():
            self._error = asyncio.CancelledError()
        elif task.exception() is not None:
            self._error = task.exception()
        self._waiters.wake()

    async def follow(self) -> bool:
        """Listen to the end without playing (keeping the render alive meanwhile); whether it
        completed."""
        try:
            async with aclosing(self.listen()) as pieces:
                async for _ in pieces:
                    pass
        except Exception:  # the engine's error: the follower renders it itself, as it would have
            return False
        return True

    async def listen(self) -> AsyncGenerator[Pcm, None]:
        """Every piece from the first, waiting for the engine as needed."""
        self.listeners += 1
        sent = 0
        try:
            while True:
                while sent < len(self.parts):
                    sent += 1
                    yield self.parts[sent - 1]
                if self.complete:
                    return
                if self._error is not None:
                    if isinstance(self._error, asyncio.CancelledError):
                        raise MediaError("the prompt's render was stopped", name="tts")
                    raise self._error
                await self._waiters.park()
        finally:
            self.listeners -= 1
            if self.listeners == 0 and not self.complete:
                self.stopping = True  # the engine is stopped before the last listener goes
                self.task.cancel()
                await asyncio.gather(self.task, return_exceptions=True)
