"""File downloads honouring one `Range: bytes=a-b` (206 + Content-Range, 416 when unsatisfiable),
streamed from disk in chunks so a large report or recording never sits in memory."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from fastapi import Response
from fastapi.responses import StreamingResponse

from voicebox.errors import InvalidInput, RangeNotSatisfiable

CHUNK = 64 * 1024
_BYTES = re.compile(r"^\s*bytes\s*=\s*([0-9]*)\s*-\s*([0-9]*)\s*$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (start, end) a `Range: bytes=` header asks for, None for the whole file.

    Other units are ignored, as RFC 9110 allows; several ranges are not supported (400).
    """
    if header is None or not header.strip() or not header.strip().lower().startswith("bytes"):
        return None
    match = _BYTES.match(header)
    if not match or not any(match.groups()):
        raise InvalidInput("Range must look like 'bytes=0-1023' (one range)", name="Range")
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:
        start, end = max(size - int(last), 0), size - 1
    if start >= size or end < start:
        error = RangeNotSatisfiable(f"the file has {size} bytes", name="Range")
        error.headers = {"Content-Range": f"bytes */{size}"}
        raise error
    return start, end


def _headers(filename: str, extra: dict[str, str] | None) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Accept-Ranges": "bytes",
        **(extra or {}),
    }


def bytes_download(
    content: bytes, *, filename: str, media_type: str, range_header: str | None
) -> Response:
    """A small in-memory file (a template) as a download."""
    headers = _headers(filename, None)
    window = byte_range(range_header, len(content))
    if window is None:
        return Response(content, media_type=media_type, headers=headers)
    start, end = window
    headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
    return Response(content[start : end + 1], status_code=206, media_type=media_type,
                    headers=headers)


async def _chunks(path: Path, start: int, length: int, cleanup: bool) -> AsyncIterator[bytes]:
    try:
        async with await anyio.open_file(path, "rb") as handle:
            await handle.seek(start)
            while length > 0:
                chunk = await handle.read(min(CHUNK, length))
                if not chunk:
                    break
                length -= len(chunk)
                yield chunk
    finally:
        if cleanup:
            await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))


def file_download(
    path: Path,
    *,
    filename: str,
    media_type: str,
    range_header: str | None,
    delete_after: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """A file on disk as a download; `delete_after` removes it once sent (temporary reports).

    The size is taken when the response is built, so the file must be complete by then.
    """
    size = os.stat(path).st_size
    all_headers = _headers(filename, headers)
    try:
        window = byte_range(range_header, size)
    except Exception:
        if delete_after:
            path.unlink(missing_ok=True)
        raise
    status = 200
    start, end = 0, size - 1
    if window is not None:
        start, end = window
        status = 206
        all_headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    all_headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(_chunks(path, start, end - start + 1, delete_after),
                             status_code=status, media_type=media_type, headers=all_headers)
