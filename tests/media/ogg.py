"""Silent Ogg/FLAC files made by ffmpeg, and one whose container lies about its duration (the
last page's granule position rewritten, checksum fixed) — the inputs of a decode bomb."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path


def silent_ogg(path: Path, seconds: float, *, rate: int = 8000) -> Path:
    """Ogg/FLAC silence; FLAC's largest frames make an hour about 18 kB."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"anullsrc=r={rate}:cl=mono", "-t", f"{seconds:g}", "-c:a", "flac",
         "-frame_size", "65535", str(path)],
        check=True,
    )
    return path


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[((crc >> 24) ^ byte) & 0xFF]
    return crc


def claim_duration(source: Path, target: Path, seconds: float, *, rate: int = 8000) -> Path:
    """A copy of an Ogg file whose last page says the stream ends at `seconds` (what ffprobe
    reports as its duration), while every sample is still there to decode."""
    data = bytearray(source.read_bytes())
    start = data.rfind(b"OggS")
    segments = data[start + 26]
    end = start + 27 + segments + sum(data[start + 27 : start + 27 + segments])
    page = bytearray(data[start:end])
    struct.pack_into("<q", page, 6, round(seconds * rate))
    struct.pack_into("<I", page, 22, 0)
    struct.pack_into("<I", page, 22, _ogg_crc(bytes(page)))
    data[start:end] = page
    target.write_bytes(bytes(data))
    return target
