"""The background jobs a worker process runs, each switchable (`voicebox worker --jobs …`):
run the dialer on some machines and the housekeeping on one, or everything everywhere."""

from __future__ import annotations

JOBS = ("dialer", "wakeup", "sweeper", "retention", "renewal")
"""`dialer`: claim and place outbound calls (with its heartbeat and reaper); `wakeup`: the
PostgreSQL LISTEN that starts a tick at once when a campaign starts; `sweeper`: the call
history's Range marks; `retention`: the hourly recording purge; `renewal`: number renewal."""
ALL_JOBS = frozenset(JOBS)


def parse_jobs(text: str | None) -> frozenset[str]:
    """A comma-separated list of job names (None or "all" = every job); ValueError naming the
    unknown ones."""
    if text is None or text.strip().lower() in ("", "all"):
        return ALL_JOBS
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(names - ALL_JOBS)
    if unknown:
        raise ValueError(f"unknown job {', '.join(unknown)}; known: {', '.join(JOBS)}")
    return frozenset(names)
