"""The storage interface every backend implements (contract: tests/storage/test_contract.py).

Keys are relative POSIX paths (`audio/7/3f2a….wav`). Objects are written once and never
changed in place, so a backend may cache a local copy of one by its key."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from voicebox.errors import MediaError

CHUNK = 64 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_\-.][A-Za-z0-9_\-./]*$")


class StorageError(MediaError):
    """The backend failed (unreachable bucket, permissions, disk full)."""

    status = 503
    default_name = "storage_error"


class ObjectMissing(StorageError):
    """No object under that key."""

    status = 404
    default_name = "not_found"


def check_key(key: str) -> str:
    """The key if it is a safe relative path; ValueError otherwise (a bug, never user input)."""
    parts = key.split("/")
    if not _KEY.match(key) or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"bad storage key {key!r}")
    return key


@runtime_checkable
class Storage(Protocol):
    """A flat namespace of immutable byte objects."""

    name: str

    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> int:
        """Store `data` (bytes or a stream of chunks) under `key`; returns the size written.
        Readers never see a partial object."""
        ...

    async def put_file(self, key: str, path: Path) -> int:
        """Store a local file under `key`; returns its size."""
        ...

    async def size(self, key: str) -> int:
        """The object's size in bytes; ObjectMissing when there is none."""
        ...

    async def exists(self, key: str) -> bool: ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes `start` … `end` (inclusive; None = to the end) in chunks, fetched as one
        ranged read: the object is never downloaded whole. ObjectMissing when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...

    def list(self, prefix: str = "") -> AsyncIterator[str]:
        """Every key starting with `prefix`, in key order."""
        ...

    async def local_path(self, key: str) -> Path:
        """A local file with the object's bytes, for tools that need a path (the recording
        renderer, ffmpeg): the file itself on a local backend, a cached download otherwise.
        ObjectMissing when there is none."""
        ...

    async def close(self) -> None: ...
