"""Live recordings of audio calls: each answered call's media leg writes through a
`RecordingTap` into `<data_dir>/recordings/<yyyy>/<mm>/<dd>/<call_id>.wav` while it runs.

The path is saved on the call as the tap opens, so a worker killed mid-call leaves a playable
file its call points to; history reports `callRecord` and `/v1/callRecord` serves it once the
call has ended (closed by its worker, or by the reaper after a crash). The disk writes are the
event loop's recording writer process's (`media/tap_writer.py`), never the loop's own. Once the
file is complete it goes to the storage backend (`Recorder.closed`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from voicebox.media.tap import RecordingTap
from voicebox.media.tap_writer import shared_writer
from voicebox.recordings.recorder import Recorder, recording_path
from voicebox.telephony.media_leg import TapFactory

CLOSING_SECONDS = 60.0  # a shutdown waits this long at most for the writer process to finish a file


def live_taps(recorder: Recorder) -> TapFactory:
    """The `MediaKit.taps` factory that records every call `recorder` is configured for."""
    stereo = recorder.settings.recording_stereo

    def closed(path: Path) -> None:  # compressed copy and upload, off the call's path
        recorder.closed(path.relative_to(recorder.data_dir))

    def closing(done: asyncio.Future[None]) -> None:  # the recorder's drain waits for the file
        recorder.background(asyncio.wait_for(done, CLOSING_SECONDS))

    def open_tap(call_id: str, start: float) -> RecordingTap:
        relative = recording_path(call_id, datetime.now(UTC))
        tap = RecordingTap(recorder.data_dir / relative, start=start, stereo=stereo,
                           on_close=closed, on_closing=closing, writer=shared_writer())
        recorder.register(call_id, relative)
        return tap

    return open_tap
