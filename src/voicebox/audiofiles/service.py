"""Audio files: upload (any WAV / MP3 / OGG, converted to 8 kHz mono WAV), list, fetch, delete
(refused while a scenario plays the file), and the resolver the recorder uses."""

from __future__ import annotations

import asyncio
import builtins  # `list` is a method here
import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.audiofiles import repository
from voicebox.audiofiles.schemas import AudioFileOut
from voicebox.errors import Conflict, InvalidInput, MediaError, PayloadTooLarge
from voicebox.ids import ascii_int
from voicebox.media.audio import SAMPLE_RATE, SAMPLE_WIDTH, write_wav
from voicebox.media.decode import load_audio, probe_format
from voicebox.models import AudioFile
from voicebox.storage import ObjectMissing, Storage
from voicebox.store.repository import get_owned_or_404

AUDIO_DIR = "audio"
_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_filename(name: str | None) -> str:
    """The base name of an uploaded file, reduced to harmless characters."""
    base = Path((name or "").replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).strip(" .")[:120]
    return base or "upload"


def parse_file_id(value: Any) -> int | None:
    """An announcement's `file` (a number or a numeric string) as an audio-file id."""
    return ascii_int(value, low=1)


def announcement_files(value: Any) -> Iterator[str]:
    """Every `announcement.file` in a scenario body (at any depth), as written."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "announcement" and isinstance(item, dict) and item.get("file") not in (
                None, ""
            ) and str(item.get("type") or "file").lower() == "file":
                yield str(item["file"]).strip()
            else:
                yield from announcement_files(item)
    elif isinstance(value, list):
        for item in value:
            yield from announcement_files(item)


def to_out(audio: AudioFile) -> AudioFileOut:
    return AudioFileOut(
        id=audio.id, name=audio.name, fileName=audio.original_filename,
        format=audio.original_format, duration=round(audio.duration, 3), size=audio.size,
        createdAt=audio.created_at.isoformat(),
    )


def _copy_limited(source: IO[bytes], target: Path, max_bytes: int) -> int:
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(
                    f"the audio file is larger than {max_bytes} bytes", name="file"
                )
            out.write(chunk)
    return size


class AudioFileService:
    async def upload(
        self,
        session: AsyncSession,
        customer_id: int,
        *,
        source: IO[bytes],
        filename: str | None,
        name: str | None,
        storage: Storage,
        max_bytes: int,
        max_seconds: float,
    ) -> AudioFile:
        """Check, convert and store an uploaded file; InvalidInput says what is wrong with it."""
        original = safe_filename(filename)
        with tempfile.TemporaryDirectory(prefix="vb-upload-") as tmp:
            raw = Path(tmp) / original
            size = await asyncio.to_thread(_copy_limited, source, raw, max_bytes)
            if size == 0:
                raise InvalidInput(f"{original}: the file is empty", name="file")
            try:
                kind, _ = await probe_format(raw)
                pcm = await load_audio(raw, max_seconds=max_seconds)
            except MediaError as error:
                raise InvalidInput(error.message, name="file") from error
            wav = Path(tmp) / "converted.wav"
            await asyncio.to_thread(write_wav, wav, pcm)
            key = f"{AUDIO_DIR}/{customer_id}/{uuid.uuid4().hex}.wav"
            size = await storage.put_file(key, wav)
        audio = AudioFile(
            customer_id=customer_id,
            name=(name or "").strip()[:255] or Path(original).stem or original,
            original_filename=original,
            original_format=kind,
            duration=len(pcm) / (SAMPLE_WIDTH * SAMPLE_RATE),
            size=size,
            path=key,
        )
        try:
            return await repository.add(session, audio)
        except BaseException:
            await storage.delete(key)
            raise

    async def list(self, session: AsyncSession, customer_id: int) -> list[AudioFile]:
        return await repository.list_for_customer(session, customer_id)

    async def get(self, session: AsyncSession, customer_id: int, file_id: int) -> AudioFile:
        return await get_owned_or_404(session, AudioFile, customer_id, file_id,
                                      what="audio file", name="audio_id")

    async def users(self, session: AsyncSession, customer_id: int, file_id: int) -> builtins.list[str]:
        """Titles of the customer's scenarios whose announcements play the file."""
        found = []
        async for scenario_id, title, body in repository.scenario_bodies(session, customer_id):
            if any(parse_file_id(ref) == file_id for ref in announcement_files(body)):
                found.append(f"{title} (id {scenario_id})")
        return found

    async def delete(
        self, session: AsyncSession, customer_id: int, file_id: int, *, storage: Storage
    ) -> None:
        """Delete the file; 409 while a scenario still plays it (it would go silent)."""
        audio = await self.get(session, customer_id, file_id)
        users = await self.users(session, customer_id, file_id)
        if users:
            raise Conflict(
                f"audio file {file_id} is used by scenario(s): {', '.join(users)}; "
                "change their announcements first",
                name="audio_id",
            )
        await repository.delete(session, audio)
        await storage.delete(audio.path)

    async def known_ids(self, session: AsyncSession, customer_id: int) -> set[int]:
        return await repository.ids_for_customer(session, customer_id)

    async def resolve(
        self, session: AsyncSession, customer_id: int, file_ref: Any, *, storage: Storage
    ) -> Path | None:
        """A local copy of the WAV an announcement's `file` plays for this customer, if it
        exists (the file itself on local storage, a cached download from a bucket)."""
        file_id = parse_file_id(file_ref)
        if file_id is None:
            return None
        audio = await repository.get_for_customer(session, customer_id, file_id)
        if audio is None:
            return None
        try:
            return await storage.local_path(audio.path)
        except ObjectMissing:
            return None


audio_file_service = AudioFileService()


