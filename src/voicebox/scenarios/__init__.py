"""Scenarios: the format, validation, storage, the template catalog."""
