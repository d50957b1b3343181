"""Synthesised prompts on disk, by content hash, so a campaign synthesises each prompt once."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from voicebox.media.audio import Pcm, write_wav


class PromptCache:
    """`<root>/<2 hex>/<sha256>.wav` in the telephony format. Concurrent requests for one key
    share a single synthesis; a failed synthesis is not cached."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.hits = 0
        self.misses = 0
        self._pending: dict[str, asyncio.Future[Path]] = {}

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
        path = self.path(key)
        pending = self._pending.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        # Registered before the first await, so concurrent callers find it.
        future: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            if await asyncio.to_thread(path.is_file):
                self.hits += 1
            else:
                self.misses += 1
                pcm = await make()
                await asyncio.to_thread(write_wav, path, pcm)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # mark retrieved: nobody else may be waiting
            raise
        else:
            future.set_result(path)
            return path
        finally:
            del self._pending[key]
