"""Finding a customer's recording for `GET /v1/callRecord` (CALLRECORD §1.1)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.campaigns.schedule import parse_instant
from voicebox.errors import InvalidInput, NotFound, Problem, Problems
from voicebox.recordings.repository import recording_repository

MEDIA_TYPES = {"wav": "audio/wav", "ogg": "audio/ogg", "mp3": "audio/mpeg"}
_ACCEPT = {"audio/ogg": "ogg", "audio/opus": "ogg", "audio/mpeg": "mp3", "audio/mp3": "mp3"}


@dataclass(frozen=True, slots=True)
class Recording:
    call_id: str
    path: Path
    format: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str:
        return f"{self.call_id}.{self.format}"


def wanted_format(format_param: str | None, accept: str | None) -> str | None:
    """The format asked for by `?format=` or, failing that, an audio type in `Accept`."""
    if format_param:
        fmt = format_param.strip().lower()
        if fmt not in MEDIA_TYPES:
            raise InvalidInput(f"format must be one of {', '.join(MEDIA_TYPES)}", name="format")
        return fmt
    for part in (accept or "").split(","):
        fmt = _ACCEPT.get(part.split(";")[0].strip().lower())
        if fmt:
            return fmt
    return None


class RecordingService:
    async def find(
        self,
        session: AsyncSession,
        customer_id: int,
        *,
        call_id: str,
        date_from: str | None,
        date_to: str | None,
        data_dir: Path,
        fmt: str | None = None,
    ) -> Recording:
        """The call's recording if the call is the customer's and took place in the period;
        NotFound (the spec's 404) for anything else, including another customer's call."""
        problems: list[Problem] = []
        bounds = {}
        for name, raw in (("date_from", date_from), ("date_to", date_to)):
            if raw not in (None, ""):
                try:
                    bounds[name] = parse_instant(raw)
                except ValueError as error:
                    problems.append(Problem(name, str(error)))
        if problems:
            raise Problems(problems)
        if not call_id.strip():
            raise InvalidInput("call_id is required", name="call_id")
        call = await recording_repository.customer_call(session, customer_id, call_id.strip())
        missing = NotFound(f"no recording of call {call_id}", name="call_id")
        if call is None:
            raise missing
        ended = call.ended_at or call.started_at
        if ("date_from" in bounds and ended < bounds["date_from"]) or (
            "date_to" in bounds and call.started_at > bounds["date_to"]
        ):
            raise NotFound(f"no recording of call {call_id} in that period", name="call_id")
        if call.record_path is None or call.state != "ended":  # a live call is still recorded
            raise missing
        wav = data_dir / call.record_path
        fmt = fmt or "wav"
        path = wav if fmt == "wav" else wav.with_suffix(f".{fmt}")
        if not await asyncio.to_thread(path.is_file):
            if fmt != "wav":
                raise NotFound(f"call {call_id} has no {fmt} recording "
                               "(VOICEBOX_RECORDING_FORMAT decides which are kept)", name="format")
            raise missing
        return Recording(call.call_id, path, fmt)


recording_service = RecordingService()
