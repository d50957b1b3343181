"""The error tree. The API renders every one of these as the spec's `[{name, message, status}]`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One element of an error answer: `name` says where (a field, a state), `message` what."""

    name: str
    message: str


class VoiceboxError(Exception):
    """Base of every error we raise on purpose."""

    status: int = 400
    default_name: str = "error"
    headers: dict[str, str] | None = None

    def __init__(self, message: str, *, status: int | None = None, name: str | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.name = name or self.default_name

    @property
    def problems(self) -> list[Problem]:
        return [Problem(self.name, self.message)]


class InvalidInput(VoiceboxError):
    status = 400
    default_name = "invalid_input"


class Unauthorized(VoiceboxError):
    status = 401
    default_name = "unauthorized"


class Forbidden(VoiceboxError):
    status = 403
    default_name = "forbidden"


class NotFound(VoiceboxError):
    status = 404
    default_name = "not_found"


class Conflict(VoiceboxError):
    status = 409
    default_name = "conflict"


class PayloadTooLarge(VoiceboxError):
    status = 413
    default_name = "payload_too_large"


class RangeNotSatisfiable(VoiceboxError):
    status = 416
    default_name = "range_not_satisfiable"


class TooManyRequests(VoiceboxError):
    status = 429
    default_name = "too_many_requests"


class Problems(VoiceboxError):
    """Several problems at once (a validation answer lists every bad field)."""

    def __init__(self, problems: list[Problem], *, status: int = 400):
        if not problems:
            raise ValueError("Problems needs at least one problem")
        super().__init__(problems[0].message, status=status, name=problems[0].name)
        self._problems = list(problems)

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)


class EngineError(VoiceboxError):
    status = 500
    default_name = "engine_error"


class TelephonyError(VoiceboxError):
    status = 502
    default_name = "telephony_error"


class MediaError(VoiceboxError):
    status = 400
    default_name = "media_error"
