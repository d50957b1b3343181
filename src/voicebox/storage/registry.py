"""Picks the storage backend from `VOICEBOX_STORAGE_URL`: unset or `file://…` = a local folder,
`s3://bucket/prefix` = an S3-compatible bucket (`VOICEBOX_S3_*` settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from voicebox.config import Settings
from voicebox.storage.base import Storage
from voicebox.storage.local import LocalStorage


def storage_from_url(
    url: str | None,
    *,
    data_dir: Path,
    endpoint: str | None = None,
    region: str = "us-east-1",
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> Storage:
    """The backend a storage URL names; ValueError for one we do not know."""
    if not url or not url.strip():
        return LocalStorage(data_dir)
    parts = urlsplit(url.strip())
    if parts.scheme == "file":
        return LocalStorage(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"VOICEBOX_STORAGE_URL {url!r} names no bucket (s3://bucket/prefix)")
        from voicebox.storage.s3 import S3Storage

        return S3Storage(parts.netloc, prefix=unquote(parts.path), endpoint=endpoint,
                         region=region, access_key_id=access_key_id,
                         secret_access_key=secret_access_key,
                         cache_dir=data_dir / "cache" / "storage" / parts.netloc)
    raise ValueError(f"VOICEBOX_STORAGE_URL {url!r}: use s3://bucket/prefix or file:///folder")


@lru_cache(maxsize=8)
def _cached(url: str | None, data_dir: Path, endpoint: str | None, region: str,
            access_key_id: str | None, secret_access_key: str | None) -> Storage:
    return storage_from_url(url, data_dir=data_dir, endpoint=endpoint, region=region,
                            access_key_id=access_key_id, secret_access_key=secret_access_key)


def open_storage(settings: Settings) -> Storage:
    """The process's storage for these settings (one client per configuration)."""
    return _cached(settings.storage_url, Path(settings.data_dir), settings.s3_endpoint,
                   settings.s3_region, settings.s3_access_key_id, settings.s3_secret_access_key)
