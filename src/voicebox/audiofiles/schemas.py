"""What the audio-file endpoints answer."""

from __future__ import annotations

from pydantic import BaseModel


class AudioFileOut(BaseModel):
    id: int
    name: str
    fileName: str  # as uploaded
    format: str  # the uploaded container: wav, mp3 or ogg
    duration: float  # seconds
    size: int  # bytes of the stored 8 kHz mono WAV
    createdAt: str
