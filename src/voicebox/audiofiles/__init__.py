"""Uploaded audio files for announcements (an extension of the spec; docs/api.md)."""
