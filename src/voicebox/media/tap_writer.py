"""The recordings' writer process: live recording taps hand their appends to a child process
that does the disk writes, so a stalled disk never blocks the event loop pacing every call's
audio (`media/tap.py` says why a thread is not enough).

The audio goes through a shared-memory ring (a `memfd` both processes map: one copy, no pipe
page allocations — pushing 32 MB/s through a pipe cost the loop up to 66 ms per write on the
development VM), and a pipe carries only the small messages saying where each append lies, sent
once per loop iteration. The event loop side (`TapWriter`, one per loop: `shared_writer()`)
never blocks: the pipe is non-blocking, and when the ring is full (the child `RING_BYTES` behind)
appends are dropped (their slots stay silent holes in the file, the rest keeps its place)
rather than let memory grow. The child (`python -m voicebox.media.tap_writer`) writes each append at its
slot and rewrites the header after it, so every file is playable at any moment; it reports each
finished file back and exits when the pipe closes, after writing what is left in it, so a worker
killed with SIGKILL still gets its last appends written. If the child dies, every open recording
goes on in-process (`WavFile` reopened where it was) and every pending close completes: calls
never wait on a dead writer. The next recording starts a new child (at most `MAX_STARTS`).

Wire format, both directions little-endian: to the child `op, key, slot, position, len1, len2`
(OPEN: slot = channels, then the path's `len1` bytes on the pipe; DATA: the left and right tracks
at `position` of the ring; CLOSE); back `code, key` (DONE / FAILED) per CLOSE. The ring's first
8 bytes are the child's read position.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import mmap
import os
import signal
import struct
import subprocess
import sys
import weakref
from collections import deque
from collections.abc import Callable
from pathlib import Path

from voicebox.media.tap import FRAME_BYTES, DirectSink, TapSink, WavFile

log = logging.getLogger(__name__)

_MSG = struct.Struct("<BIIQII")
_ACK = struct.Struct("<BI")
_READ = struct.Struct("<Q")
OPEN, DATA, CLOSE = 1, 2, 3
DONE, FAILED = 1, 2
RING_BYTES = 64 << 20  # 2 s of 1,000 stereo calls
_RING_START = 64  # after the read position
CLOSE_SECONDS = 30.0
MAX_STARTS = 5  # writer processes one event loop starts before writing in-process for good
_PIPE_BYTES = 1 << 20
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


class ProcessSink:
    """Implements `tap.TapSink` through a `TapWriter`; in-process once the writer died."""

    __slots__ = ("_direct", "_writer", "channels", "data_bytes", "key", "path")

    def __init__(self, writer: TapWriter, key: int, path: Path, channels: int):
        self._writer = writer
        self._direct: DirectSink | None = None
        self.key = key
        self.path = path
        self.channels = channels
        self.data_bytes = 0  # as far as appends were handed over (dropped ones included)

    def put(self, slot: int, left: bytes, right: bytes) -> None:
        self.data_bytes = max(self.data_bytes, (slot * FRAME_BYTES + len(left)) * self.channels)
        if self._direct is not None:
            self._direct.put(slot, left, right)
        else:
            self._writer.append(self.key, slot, left, right)

    def close(self, done: Callable[[], None]) -> None:
        if self._direct is not None:
            self._direct.close(done)
        else:
            self._writer.finish(self, done)

    def go_direct(self) -> None:
        """The writer process is gone: go on writing this file here, where it was."""
        try:
            self._direct = DirectSink(WavFile(self.path, self.channels, resume=True,
                                              data_bytes=self.data_bytes))
        except OSError as exc:
            log.error("recording %s cannot go on after its writer died: %s", self.path, exc)
            self._direct = _NullSink()


class _NullSink(DirectSink):
    def __init__(self) -> None:
        pass

    def put(self, slot: int, left: bytes, right: bytes) -> None:
        pass

    def close(self, done: Callable[[], None]) -> None:
        done()


class TapWriter:
    """The event loop's end of one writer process (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None):
        self._loop = loop or asyncio.get_running_loop()
        ring_fd = os.memfd_create("voicebox-tap-ring")
        try:
            os.ftruncate(ring_fd, _RING_START + RING_BYTES)
            self._ring = mmap.mmap(ring_fd, _RING_START + RING_BYTES)
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "voicebox.media.tap_writer", str(ring_fd)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(ring_fd,))
        finally:
            os.close(ring_fd)
        self._head = 0  # the ring's write position (grows for ever; the offset is modulo)
        self._pending = bytearray()  # messages for the next flush
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._out = self._proc.stdin.fileno()
        self._in = self._proc.stdout.fileno()
        os.set_blocking(self._out, False)
        os.set_blocking(self._in, False)
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._out, _F_SETPIPE_SZ, _PIPE_BYTES)
        self._loop.add_reader(self._in, self._read_acks)
        self._backlog: deque[bytes | memoryview] = deque()
        self._backlog_bytes = 0
        self._acks = b""
        self._next_key = 0
        self._sinks: dict[int, ProcessSink] = {}
        self._closing: dict[int, Callable[[], None]] = {}
        self.dead = False
        self.dropped = 0  # appends dropped for a full ring

    @property
    def pid(self) -> int:
        return self._proc.pid

    def cpu_seconds(self) -> float:
        """CPU time the child has used (Linux /proc; 0 elsewhere), for the benchmark."""
        try:
            fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @property
    def backlog(self) -> int:
        """Bytes of audio in the ring not yet written by the child."""
        return self._head - _READ.unpack_from(self._ring, 0)[0] if not self.dead else 0

    # -- the tap's side --------------------------------------------------------------------
    def sink(self, path: Path, channels: int) -> TapSink:
        self._next_key = (self._next_key + 1) & 0xFFFFFFFF
        key = self._next_key
        sink = ProcessSink(self, key, path, channels)
        if self.dead:
            sink.go_direct()
            return sink
        self._sinks[key] = sink
        name = os.fsencode(path)
        self._queue(_MSG.pack(OPEN, key, channels, 0, len(name), 0) + name)
        return sink

    def append(self, key: int, slot: int, left: bytes, right: bytes) -> None:
        size = len(left) + len(right)
        head = self._head
        if head % RING_BYTES + size > RING_BYTES:  # no room before the end: start over at 0
            head += RING_BYTES - head % RING_BYTES
        if head + size - _READ.unpack_from(self._ring, 0)[0] > RING_BYTES:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("recording writer %d MB behind: %d appends dropped so far",
                            RING_BYTES >> 20, self.dropped)
            return
        at = _RING_START + head % RING_BYTES
        ring = self._ring
        ring[at:at + len(left)] = left
        ring[at + len(left):at + size] = right
        self._head = head + size
        self._queue(_MSG.pack(DATA, key, slot, head, len(left), len(right)))

    def finish(self, sink: ProcessSink, done: Callable[[], None]) -> None:
        if self.dead:
            sink.go_direct()
            sink.close(done)
            return
        self._closing[sink.key] = done
        self._queue(_MSG.pack(CLOSE, sink.key, 0, 0, 0, 0))

    def _queue(self, message: bytes) -> None:
        """Messages go out together once this loop iteration's callbacks are done."""
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending += message

    def _flush(self) -> None:
        message, self._pending = bytes(self._pending), bytearray()
        if message:
            self._send(message)

    # -- the pipe --------------------------------------------------------------------------
    def _send(self, message: bytes) -> None:
        if self.dead:
            return
        if not self._backlog:
            try:
                sent = os.write(self._out, message)
            except BlockingIOError:
                sent = 0
            except OSError as exc:
                self._died(f"pipe: {exc}")
                return
            if sent == len(message):
                return
            self._loop.add_writer(self._out, self._drain)
            self._backlog.append(memoryview(message)[sent:])
            self._backlog_bytes += len(message) - sent
        else:
            self._backlog.append(message)
            self._backlog_bytes += len(message)

    def _drain(self) -> None:
        backlog = self._backlog
        while backlog:
            head = backlog[0]
            try:
                sent = os.write(self._out, head)
            except BlockingIOError:
                return
            except OSError as exc:
                self._died(f"pipe: {exc}")
                return
            self._backlog_bytes -= sent
            if sent < len(head):
                backlog[0] = memoryview(head)[sent:]
                return
            backlog.popleft()
        self._loop.remove_writer(self._out)

    def _read_acks(self) -> None:
        try:
            data = os.read(self._in, 1 << 16)
        except BlockingIOError:
            return
        except OSError as exc:
            self._died(f"pipe: {exc}")
            return
        if not data:
            self._died("it exited")
            return
        data = self._acks + data
        usable = len(data) - len(data) % _ACK.size
        self._acks = data[usable:]
        for code, key in _ACK.iter_unpack(data[:usable]):
            sink = self._sinks.pop(key, None)
            done = self._closing.pop(key, None)
            if code == FAILED and sink is not None:
                log.error("recording %s could not be written (see the writer's log)", sink.path)
            if done is not None:
                done()

    def _died(self, why: str) -> None:
        if self.dead:
            return
        self.dead = True
        log.error("recording writer process %d failed (%s): recordings go on in-process",
                  self._proc.pid, why)
        self._detach()
        with contextlib.suppress(OSError):
            self._proc.kill()
        sinks, closing = self._sinks, self._closing
        self._sinks, self._closing = {}, {}
        for key, sink in sinks.items():
            sink.go_direct()
            done = closing.get(key)
            if done is not None:
                sink.close(done)

    def _detach(self) -> None:
        with contextlib.suppress(Exception):
            self._loop.remove_reader(self._in)
        with contextlib.suppress(Exception):
            self._loop.remove_writer(self._out)
        self._backlog.clear()
        self._backlog_bytes = 0
        for stream in (self._proc.stdin, self._proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]  # both pipes were opened

    async def aclose(self) -> None:
        """Let the child write everything sent so far and exit (pending closes complete; at
        most `CLOSE_SECONDS`, then what is left is finished here)."""
        if self.dead:
            return
        self._flush()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_SECONDS):
                while (self._backlog or self._closing) and not self.dead:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
        self.dead = True
        self._detach()
        try:
            await asyncio.wait_for(asyncio.to_thread(self._proc.wait), CLOSE_SECONDS)
        except TimeoutError:
            self._proc.kill()
        for key, sink in list(self._sinks.items()):  # still open: finish them here
            sink.go_direct()
            done = self._closing.pop(key, None)
            if done is not None:
                sink.close(done)
        self._sinks.clear()


_WRITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TapWriter] = (
    weakref.WeakKeyDictionary())
_STARTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = weakref.WeakKeyDictionary()


def shared_writer() -> TapWriter | None:
    """The running loop's writer process, started on first use or after it died; None (write
    in-process) when it cannot start or died `MAX_STARTS` times."""
    loop = asyncio.get_running_loop()
    writer = _WRITERS.get(loop)
    if writer is not None and not writer.dead:
        return writer
    starts = _STARTS.get(loop, 0)
    if starts >= MAX_STARTS:
        return None
    _STARTS[loop] = starts + 1
    try:
        writer = _WRITERS[loop] = TapWriter(loop)
    except OSError:
        log.exception("cannot start the recording writer process: recordings written in-process")
        return None
    return writer


# -- the child ---------------------------------------------------------------------------------
def _serve(read: Callable[[], bytes], ack: Callable[[bytes], None], ring: mmap.mmap) -> None:
    files: dict[int, WavFile | None] = {}  # None: failed
    view = memoryview(ring)
    buffer = bytearray()
    while True:
        chunk = read()
        if not chunk:
            break
        buffer += chunk
        pos, size = 0, len(buffer)
        while size - pos >= _MSG.size:
            op, key, slot, head, first, second = _MSG.unpack_from(buffer, pos)
            start = pos + _MSG.size
            end = start + (first if op == OPEN else 0)
            if end > size:
                break
            body = bytes(buffer[start:end])
            pos = end
            try:
                if op == OPEN:
                    files[key] = WavFile(Path(os.fsdecode(body)), slot)
                elif op == DATA:
                    file = files.get(key)
                    at = _RING_START + head % RING_BYTES
                    if file is not None:
                        file.put(slot, view[at:at + first], view[at + first:at + first + second])
                    _READ.pack_into(ring, 0, head + first + second)
                elif op == CLOSE:
                    file = files.pop(key, None)
                    if file is not None:
                        file.close()
                    ack(_ACK.pack(DONE if file is not None else FAILED, key))
            except OSError as exc:
                log.error("recording writer: %s", exc)
                failed = files.pop(key, None)
                if failed is not None:
                    with contextlib.suppress(OSError):
                        failed.close()
                if op == CLOSE:
                    ack(_ACK.pack(FAILED, key))
                else:
                    files[key] = None
        del buffer[:pos]
    for file in files.values():  # the parent is gone: every header is already valid
        if file is not None:
            file.close()


def main() -> None:
    """The child: appends from stdin until it closes; acknowledgements on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # exit when the parent does, after the pipe
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s tap-writer %(message)s")

    def ack(data: bytes) -> None:
        with contextlib.suppress(OSError):  # the parent is gone: nobody to tell
            os.write(1, data)

    ring_fd = int(sys.argv[1])
    ring = mmap.mmap(ring_fd, _RING_START + RING_BYTES)
    os.close(ring_fd)
    _serve(lambda: os.read(0, 1 << 20), ack, ring)


if __name__ == "__main__":
    main()
