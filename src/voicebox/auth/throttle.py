"""Login limits: failed logins are counted per username, per OAuth client and per remote
address; a subject that reaches its limit within the window is locked for the lockout period,
during which even the right password is refused with 429 and `Retry-After`.

The counts live in the database (`login_failures`), so the limits hold across API processes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.auth.repository import login_failure_repository as repo
from voicebox.config import Settings
from voicebox.errors import TooManyRequests

log = logging.getLogger("voicebox.auth")

USER, CLIENT, ADDRESS = "user", "client", "address"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One login attempt: who it names and where it comes from."""

    address: str
    username: str | None = None
    client_id: str | None = None

    def subjects(self, *kinds: str) -> dict[str, str]:
        """{kind: value} of the named kinds this attempt has (every kind when none is named)."""
        values = {USER: self.username, CLIENT: self.client_id, ADDRESS: self.address}
        return {
            kind: value
            for kind, value in values.items()
            if value is not None and (not kinds or kind in kinds)
        }


def subject_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value}".encode("utf-8", "surrogatepass")).hexdigest()


class LoginThrottle:
    """Checks and counts login attempts against the settings' limits; `clock` is Unix time."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.clock = clock

    def _limit(self, kind: str) -> int:
        settings = self.settings
        return {
            USER: settings.login_max_failures_per_user,
            CLIENT: settings.login_max_failures_per_client,
            ADDRESS: settings.login_max_failures_per_address,
        }[kind]

    async def retry_after(self, session: AsyncSession, attempt: Attempt) -> int | None:
        """Seconds until every lock on the attempt's subjects ends, or None if none holds."""
        now = self.clock()
        keys = [subject_key(kind, value) for kind, value in attempt.subjects().items()]
        until = await repo.locked_until(session, keys, now)
        return None if until is None else max(1, math.ceil(until - now))

    async def check(self, session: AsyncSession, attempt: Attempt) -> None:
        """Raise 429 (with Retry-After) while any of the attempt's subjects is locked."""
        wait = await self.retry_after(session, attempt)
        if wait is not None:
            raise locked_error(wait)

    async def failed(self, session: AsyncSession, attempt: Attempt, kind: str) -> None:
        """Count a failure against the attempt's `kind` subject (user or client) and address."""
        now = self.clock()
        settings = self.settings
        window = settings.login_failure_window_seconds
        log.warning(
            "login failed: wrong %s (user %r, client %r, address %s)",
            "password" if kind == USER else "client secret",
            attempt.username,
            attempt.client_id,
            attempt.address,
        )
        for subject_kind, value in attempt.subjects(kind, ADDRESS).items():
            failures, locked_until = await repo.count_failure(
                session,
                subject=subject_key(subject_kind, value),
                kind=subject_kind,
                now=now,
                limit=self._limit(subject_kind),
                window=window,
                lockout=settings.login_lockout_seconds,
            )
            if locked_until is not None and locked_until > now:
                log.warning(
                    "login locked: %s %r after %d failures, for %d s",
                    subject_kind,
                    value,
                    failures,
                    math.ceil(locked_until - now),
                )
        await repo.prune(session, before=now - window, now=now)

    async def succeeded(self, session: AsyncSession, attempt: Attempt) -> None:
        """A right password clears the user's count (not the address's or the client's)."""
        if attempt.username is not None:
            await repo.forget(session, subject_key(USER, attempt.username))


def locked_error(retry_after: int) -> TooManyRequests:
    error = TooManyRequests(
        f"too many failed logins; try again in {retry_after} s", name="login_locked"
    )
    error.headers = {"Retry-After": str(retry_after)}
    return error
