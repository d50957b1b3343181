"""The recording writer process: a tap writing through it leaves the same file as in-process;
its child killed mid-call hands the open recordings back to the process (no call waits on it);
the parent killed with SIGKILL leaves every append it had sent written and the header valid."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import numpy as np

from tests.media.test_live_media import frames, tone
from voicebox.media.tap import RecordingTap
from voicebox.media.tap_writer import TapWriter

ROBOT = frames(tone(2.0, 300))
SUBSCRIBER = frames(tone(1.0, 600))


def _feed(tap: RecordingTap, upto: int, start: int = 0) -> None:
    """The test_live_media call: 2 s of robot, the subscriber from 1 s to 2 s."""
    for n in range(start, upto):
        at = 10.0 + n * 0.02
        tap.robot(ROBOT[n], at + 0.003)
        if 50 <= n < 100:
            tap.subscriber(SUBSCRIBER[n - 50], at)


def _samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as done:
        assert done.getnchannels() == 2 and done.getframerate() == 8000
        return np.frombuffer(done.readframes(done.getnframes()), "<i2").reshape(-1, 2)


def _playable(path: Path, seconds: float) -> bool:
    try:
        with wave.open(str(path)) as live:
            return live.getnframes() >= seconds * 8000
    except (OSError, EOFError, wave.Error):
        return False


async def _closed(tap: RecordingTap, until: float) -> Path:
    finished = asyncio.get_running_loop().create_future()
    tap.on_close = finished.set_result
    tap.close(until=until)
    return await asyncio.wait_for(finished, 30)


async def test_a_tap_through_the_writer_process_writes_what_it_writes_in_process(tmp_path):
    writer = TapWriter()
    try:
        direct = RecordingTap(tmp_path / "direct.wav", start=10.0)
        piped = RecordingTap(tmp_path / "piped.wav", start=10.0, writer=writer)
        for tap in (direct, piped):
            _feed(tap, len(ROBOT))
        direct.close(until=13.0)
        assert await _closed(piped, 13.0) == tmp_path / "piped.wav" and piped.complete
        assert (tmp_path / "piped.wav").read_bytes() == (tmp_path / "direct.wav").read_bytes()
        assert len(_samples(tmp_path / "piped.wav")) == 3 * 8000
    finally:
        await writer.aclose()


async def test_a_dead_writer_hands_open_recordings_back_and_no_close_waits(tmp_path):
    writer = TapWriter()
    taps = [RecordingTap(tmp_path / f"{n}.wav", start=10.0, writer=writer) for n in range(3)]
    for tap in taps:
        _feed(tap, 60)
    closing = asyncio.get_running_loop().create_future()
    taps[2].on_close = closing.set_result
    async with asyncio.timeout(30):  # the child is at work
        while not _playable(taps[0].path, 0.5):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    taps[2].close(until=11.2)  # closed just before the writer dies: completes all the same
    os.kill(writer.pid, signal.SIGKILL)
    async with asyncio.timeout(30):
        while not writer.dead:  # noqa: ASYNC110 - the loop notices the pipe closing
            await asyncio.sleep(0.01)
    assert await asyncio.wait_for(closing, 30) == tmp_path / "2.wav"
    for tap in taps[:2]:  # the rest of the call is written in-process
        _feed(tap, len(ROBOT), start=60)
        assert await _closed(tap, 13.0) == tap.path
        left, right = _samples(tap.path).T.astype(float)
        assert len(left) == 3 * 8000
        assert np.abs(left[int(1.3 * 8000):2 * 8000]).mean() > 1000  # after the death too
        assert np.abs(right[int(1.3 * 8000):2 * 8000]).mean() > 1000
    assert len(_samples(taps[2].path)) >= int(1.1 * 8000)  # a valid header, whatever it got


def test_a_worker_killed_with_sigkill_leaves_its_appends_written(tmp_path):
    path = tmp_path / "call.wav"
    script = textwrap.dedent(f"""
        import asyncio, os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from pathlib import Path
        from tests.media.test_tap_writer import _feed
        from voicebox.media.tap import RecordingTap
        from voicebox.media.tap_writer import TapWriter

        async def main():
            tap = RecordingTap(Path({str(path)!r}), start=10.0, writer=TapWriter())
            _feed(tap, 100)  # 2 s fed: three appends (1.5 s) handed to the pipe
            await asyncio.sleep(0.1)  # the loop iteration ends: its messages go to the child
            print("sent", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == -signal.SIGKILL and "sent" in done.stdout, done.stderr
    for _ in range(600):  # the orphaned child finishes the pipe's contents and exits
        if _playable(path, 75 * 160 / 8000):
            break
        subprocess.run(["sleep", "0.05"], check=True)
    left, right = _samples(path).T.astype(float)
    assert len(left) == 75 * 160  # every append the worker made before it died
    assert np.abs(left).mean() > 1000 and np.abs(right[50 * 160:]).mean() > 1000


def test_a_long_silence_is_a_hole_and_a_broken_timestamp_is_ignored(tmp_path):
    tap = RecordingTap(tmp_path / "gap.wav", start=0.0)
    tap.robot(ROBOT[0], 0.0)
    tap.subscriber(SUBSCRIBER[0], 7 * 24 * 3600.0)  # a wrapped RTP timestamp: days ahead
    tap.robot(ROBOT[1], 60.0)  # a minute of nothing, then the robot again
    tap.close(until=61.0)
    left, right = _samples(tap.path).T.astype(float)
    assert len(left) == 61 * 8000
    assert np.abs(left[:160]).mean() > 1000 and np.abs(left[160:60 * 8000]).max() == 0
    assert np.abs(left[60 * 8000:60 * 8000 + 160]).mean() > 1000
    assert np.abs(right).max() == 0
