"""Helpers for API tests of every section."""

from __future__ import annotations


def assert_errors(response, status: int) -> list[dict]:
    """The spec's error answer: a non-empty array of `{name, message, status}` with `status`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(item) == {"name", "message", "status"} for item in body)
    assert all(item["status"] == status for item in body)
    return body
