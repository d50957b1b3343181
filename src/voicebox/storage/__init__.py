"""Where files live (uploaded audio, recordings, the TTS cache): one interface, a local folder
by default or an S3-compatible bucket, so the API and workers can run on different machines."""

from voicebox.storage.base import ObjectMissing, Storage, StorageError, check_key
from voicebox.storage.registry import open_storage, storage_from_url

__all__ = ["ObjectMissing", "Storage", "StorageError", "check_key", "open_storage",
           "storage_from_url"]
