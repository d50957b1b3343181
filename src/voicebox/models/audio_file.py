"""Audio files customers upload for announcements (`announcement.type: file`), stored converted
to the telephony format (8 kHz mono 16-bit WAV) under the data directory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow


class AudioFile(Base):
    __tablename__ = "audio_files"
    __table_args__ = (Index("ix_audio_files_customer_id_id", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    original_filename: Mapped[str] = mapped_column(String(255))
    original_format: Mapped[str] = mapped_column(String(8))  # wav | mp3 | ogg
    duration: Mapped[float] = mapped_column(Float)  # seconds of the converted audio
    size: Mapped[int] = mapped_column(Integer)  # bytes of the converted WAV
    path: Mapped[str] = mapped_column(String(500))  # relative to the data directory
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
