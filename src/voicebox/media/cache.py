"""Synthesised prompts on disk, by content hash, so a campaign synthesises each prompt once.

With a shared storage backend (a bucket) the machines share the cache too: a miss on the local
disk looks for `tts/<hash>.wav` in storage before synthesising, and a new render is put there.
The local folder stays the fast path."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from voicebox.media.audio import Pcm, write_wav
from voicebox.storage import Storage, StorageError

log = logging.getLogger(__name__)


class PromptCache:
    """`<root>/<2 hex>/<sha256>.wav` in the telephony format. Concurrent requests for one key
    share a single synthesis; a failed synthesis is not cached."""

    def __init__(self, root: Path, *, storage: Storage | None = None):
        self.root = Path(root)
        self.storage = storage
        self.shared = 0  # misses served from storage (rendered by another machine)
        self.hits = 0
        self.misses = 0
        self._pending: dict[str, asyncio.Future[Path]] = {}  # in-flight syntheses by key

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
        if await asyncio.to_thread(path.is_file):
            self.hits += 1
            return path
        if await self._fetch(key, path):
            self.shared += 1
            return path
        self.misses += 1
        pcm = await make()
        await asyncio.to_thread(write_wav, path, pcm)
        if self.storage is not None:
            try:
                await self.storage.put_file(self.storage_key(key), path)
            except StorageError as error:  # the local cache still works
                log.warning("sharing prompt %s failed: %s", key, error)
        return path

    @staticmethod
    def storage_key(key: str) -> str:
        return f"tts/{key}.wav"

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
