"""The recorder: every call's recording is written through a tap (`live.py`) under
`<data_dir>/recordings/<yyyy>/<mm>/<dd>/<call_id>.wav`; the recorder saves `calls.record_path`
as the tap opens and, once it is closed, compresses and stores the file in the background
(never on the call's path).

A recording is written on the worker's disk (a live one while the call runs, so a killed worker
leaves a playable file) and, once closed, put into the storage backend under the same key
(`calls.record_path`) and removed locally. On a local backend rooted at the data folder the file
already is the object. Files a killed worker left behind are uploaded by the next recorder on
that machine (at start and every `LEFTOVERS_SECONDS`) once their call has ended."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.config import Settings
from voicebox.media.audio import compress
from voicebox.recordings.repository import recording_repository
from voicebox.storage import open_storage
from voicebox.storage.local import is_folder
from voicebox.store.writes import write_session

if TYPE_CHECKING:  # the speech stack loads when a recorder needs it
    from voicebox.media.tts import SpeechService

log = logging.getLogger(__name__)
RECORDINGS_DIR = "recordings"
FLUSH_SECONDS = 0.25
FLUSH_BATCH = 500
LEFTOVERS_SECONDS = 60.0


def recording_path(call_id: str, when: datetime) -> Path:
    """Relative to the data directory; dated folders keep directories small and purging cheap."""
    safe = "".join(ch for ch in call_id if ch.isalnum() or ch in "-_") or "call"
    return Path(RECORDINGS_DIR) / f"{when:%Y}" / f"{when:%m}" / f"{when:%d}" / f"{safe}.wav"


def default_speech(settings: Settings) -> SpeechService:
    from voicebox.media.tts import speech_service_from_settings

    return speech_service_from_settings(settings)


class Recorder:
    """One per process; `register` / `closed` follow each tap, `start()` / `stop()` run the
    batched path writes and the upload of left-overs. `stats()` tells how many were written.
    It holds the process's speech service (`build_gateway` renders prompts with it) and
    closes it on `stop` when it opened it."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
                 speech: SpeechService | None = None):
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self._owns_speech = speech is None
        self.speech = speech or default_speech(settings)
        fmt = (settings.recording_format or "wav").lower()
        self.compressed = fmt if fmt in ("ogg", "mp3") else None
        self._tasks: list[asyncio.Task[None]] = []
        self._open: set[str] = set()  # registered recordings whose tap is not closed yet
        self._all_closed = asyncio.Event()
        self._all_closed.set()
        self.written = 0
        self.failed = 0
        self._done: list[dict[str, str]] = []  # written, `record_path` not saved yet
        self._flush_lock = asyncio.Lock()
        self._side: set[asyncio.Future[Any]] = set()
        self.storage = open_storage(settings)
        self.uploads = not is_folder(self.storage, self.data_dir)
        self._storing: set[str] = set()  # keys being compressed / uploaded by this process
        self.uploaded = 0

    def register(self, call_id: str, relative: Path) -> None:
        """Save `relative` as the call's recording with the next batch (live recordings)."""
        self._done.append({"cid": call_id, "path": relative.as_posix()})
        self._open.add(relative.as_posix())
        self._all_closed.clear()
        self.written += 1
        if not self._tasks:
            self.start()

    def background(self, work: Awaitable[Any]) -> None:
        """Run `work` (a compressed copy) off the call's path; failures are logged."""
        task = asyncio.ensure_future(work)
        self._side.add(task)
        task.add_done_callback(self._side_done)

    def _side_done(self, task: asyncio.Future[Any]) -> None:
        self._side.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failed += 1
            log.warning("recording side work failed: %s", task.exception())

    def start(self) -> None:
        if not self._tasks:
            loop = asyncio.get_running_loop()
            self._tasks = [loop.create_task(self._flusher())]
            if self.uploads:
                self._tasks.append(loop.create_task(self._leftovers()))

    def closed(self, relative: Path) -> None:
        """A live recording's WAV is complete on disk (from the event loop; returns at once):
        its compressed copy and upload run in the background."""
        self._storing.add(relative.as_posix())
        self._open.discard(relative.as_posix())
        if not self._open:
            self._all_closed.set()
        self.background(self._finish(relative))

    async def _finish(self, relative: Path) -> None:
        """Make the compressed copy and put both files into storage (then remove them)."""
        key = relative.as_posix()
        self._storing.add(key)
        try:
            wav = self.data_dir / relative
            if self.compressed:
                await compress(wav, wav.with_suffix(f".{self.compressed}"))
            await self.store(relative)
        finally:
            self._storing.discard(key)

    async def store(self, relative: Path) -> None:
        """Put the local files of one recording (the WAV and its compressed copy) into storage
        under their keys and delete them; nothing to do when storage is the data folder."""
        if not self.uploads:
            return
        for suffix in (".wav", f".{self.compressed}" if self.compressed else None):
            if suffix is None:
                continue
            local = self.data_dir / relative.with_suffix(suffix)
            if not await asyncio.to_thread(local.is_file):
                continue
            await self.storage.put_file(relative.with_suffix(suffix).as_posix(), local)
            await asyncio.to_thread(local.unlink, True)
        self.uploaded += 1

    async def upload_leftovers(self) -> int:
        """Upload the local recordings of ended calls that no one is storing: what a worker
        killed on this machine left behind (its call closed since by the reaper)."""
        root = self.data_dir / RECORDINGS_DIR
        found = await asyncio.to_thread(
            lambda: sorted(p.relative_to(self.data_dir).as_posix()
                           for p in root.glob("[0-9]*/[0-9]*/[0-9]*/*.wav")))
        found = [key for key in found if key not in self._storing]
        done = 0
        for start in range(0, len(found), FLUSH_BATCH):
            async with self.sessionmaker() as session:
                ended = await recording_repository.ended_paths(
                    session, found[start:start + FLUSH_BATCH])
            for key in sorted(ended - self._storing):
                await self._finish(Path(key))
                done += 1
        if done:
            log.info("uploaded %d recordings left by an earlier worker", done)
        return done

    async def _leftovers(self) -> None:
        while True:
            try:
                await self.upload_leftovers()
            except Exception:
                log.exception("uploading left-over recordings failed; retrying later")
            await asyncio.sleep(LEFTOVERS_SECONDS)

    @property
    def backlog(self) -> int:
        """Recordings still being written (their calls running, or being rendered)."""
        return len(self._open)

    async def drain(self, *, seconds: float = 60.0) -> None:
        """Wait until every open recording is closed (`seconds` at most: a tap left open by
        a crash is the reaper's), stored and registered."""
        try:
            await asyncio.wait_for(self._all_closed.wait(), seconds)
        except TimeoutError:
            log.warning("%d recordings still open after %.0f s", len(self._open), seconds)
        if self._side:
            await asyncio.gather(*list(self._side), return_exceptions=True)
        await self.flush()

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()

    async def flush(self) -> None:
        """Set `record_path` of the recordings written since the last flush: one transaction
        per batch (SQLite has one writer: the dialer's writes come first), retried until the
        database takes it."""
        async with self._flush_lock:
            while self._done:
                batch, self._done = self._done[:FLUSH_BATCH], self._done[FLUSH_BATCH:]
                delay = 0.1
                while True:
                    try:
                        async with write_session(self.sessionmaker) as session:
                            await recording_repository.set_paths(session, batch)
                            await session.commit()
                        break
                    except Exception:
                        log.exception("saving %d recording paths failed; retrying", len(batch))
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, 5.0)

    async def stop(self) -> None:
        await self.drain()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._owns_speech:
            await self.speech.close()

    def stats(self) -> dict[str, Any]:
        return {"written": self.written, "failed": self.failed, "backlog": self.backlog,
                "uploaded": self.uploaded}
