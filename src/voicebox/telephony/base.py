"""The telephony contract: a `CallLeg` (one leg), a `Gateway` that makes and takes calls, a `Clock`.

The engine drives a call only through these protocols; drivers implement them (`simulated/`:
virtual subscribers that hand text over directly; `sip/`: an asyncio SIP user agent with G.711
RTP in 20 ms frames, DTMF as RFC 4733 events or SIP INFO, speech through a recogniser).

Rules every driver keeps:
- every method is a coroutine that never blocks the event loop (media and recognition run as
  tasks or in threads);
- when the far end hangs up, callbacks registered with `CallLeg.on_hangup` run once (from the event
  loop, synchronously, they must not block) and a media operation in progress or started later
  raises `RemoteHangup`;
- time is measured with the injected `Clock`, so a simulated call can run in virtual time;
- any method may be cancelled (the engine's time budget and hangup guards do it): a cancelled
  `dial` or `transfer` cancels its signalling (CANCEL), a cancelled `play` stops the audio.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum, IntEnum
from typing import Any, Protocol, runtime_checkable

from voicebox.errors import TelephonyError


class CallResult(IntEnum):
    """How a call attempt ended up, valued by the final SIP response it maps to."""

    ANSWERED = 200
    BUSY = 486
    NO_ANSWER = 480
    UNREACHABLE = 404
    CANCELLED = 487
    FAILED = 503

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def classify(cls, code: int) -> CallResult:
        """The kind of outcome a final SIP response code is (486 and 600 busy, 408 and 480 no
        answer, 404 / 410 / 484 / 604 unreachable, 487 cancelled, any other failure failed)."""
        if 200 <= code < 300:
            return cls.ANSWERED
        return _CLASSES.get(code, cls.FAILED)


_CLASSES = {486: CallResult.BUSY, 600: CallResult.BUSY, 408: CallResult.NO_ANSWER,
            480: CallResult.NO_ANSWER, 404: CallResult.UNREACHABLE, 410: CallResult.UNREACHABLE,
            484: CallResult.UNREACHABLE, 604: CallResult.UNREACHABLE,
            487: CallResult.CANCELLED}
REFUSED = frozenset({403, 603})  # the callee or the network said no: not worth a retry


class CallState(Enum):
    NEW = "new"  # outbound, not dialled yet
    RINGING = "ringing"  # inbound, offered, not answered yet (or outbound while dialling)
    ANSWERED = "answered"
    ENDED = "ended"


class RemoteHangup(TelephonyError):
    """The far end hung up; raised by any media operation on a call that has ended."""

    default_name = "remote_hangup"


@dataclass(frozen=True, slots=True)
class Voice:
    """TTS voice settings (Yandex SpeechKit names; `speed` in percent, 100 = normal)."""

    name: str = "oksana"
    speed: int = 100
    emotion: str = "neutral"


@dataclass(frozen=True, slots=True)
class Prompt:
    """What to play: synthesised `text` with `voice`, or an uploaded audio `file` (its id; `path`
    is where the file was found for the call's customer when the scenario was compiled)."""

    text: str | None = None
    file: str | None = None
    voice: Voice | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Heard:
    """Input from the far end: digits or recognised words; both empty means silence."""

    dtmf: str = ""
    speech: str = ""
    confidence: float = 1.0
    barged_in: bool = False  # ended a prompt early
    # Recognised speech only: the n-best readings as (text, weight), top first; `unclear` when
    # the recogniser could not tell (e.g. yes and no both likely); decoding time.
    alternatives: tuple[tuple[str, float], ...] = ()
    unclear: bool = False
    asr_ms: int = 0

    @property
    def empty(self) -> bool:
        return not self.dtmf and not self.speech

    @property
    def text(self) -> str:
        return self.dtmf or self.speech


SILENCE = Heard()


class Detected(Enum):
    HUMAN = "human"
    MACHINE = "machine"  # answering machine / voicemail
    ASSISTANT = "assistant"  # an AI call assistant screening the call
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Detection:
    kind: Detected = Detected.UNKNOWN
    confidence: float = 0.0
    cause: str = ""  # why: short_greeting, beep, voicemail_words, assistant_words, silence …
    decided_at: float = 0.0  # seconds of listening when it was decided

    @property
    def is_robot(self) -> bool:
        return self.kind in (Detected.MACHINE, Detected.ASSISTANT)


@dataclass(frozen=True, slots=True)
class TransferTarget:
    """Where to send the caller: a phone `number` or a `sip_uri`; `extension` sent as DTMF."""

    number: str | None = None
    sip_uri: str | None = None
    extension: str | None = None
    caller_display: str | None = None


@runtime_checkable
class CallLeg(Protocol):
    """One call leg. Outbound legs start `NEW` and are dialled by the engine; inbound legs start
    `RINGING` and are answered by it (or arrive already `ANSWERED`)."""

    @property
    def id(self) -> str: ...

    @property
    def state(self) -> CallState: ...

    @property
    def to(self) -> str:
        """The number called (ours, for an inbound call)."""
        ...

    @property
    def caller(self) -> str | None:
        """The calling number (ours, for an outbound call), if known."""
        ...

    @property
    def clock(self) -> Clock:
        """The clock this call's time runs on (each leg brings its own)."""
        ...

    @property
    def final_code(self) -> int | None:
        """The final SIP response that ended the dial (603, 408, 403 …) when the driver got
        one; the outcome keeps it beside the history status (the retry policy reads it: a 603 is
        not retried). None: the `CallResult` says all there is."""
        ...

    @property
    def error(self) -> str | None:
        """Why the dial failed, in words naming the cause and the code (`trunk refused our
        credentials (403 Forbidden)`); the history's trace shows it. None: nothing to add."""
        ...

    async def dial(self, number: str, *, ring_seconds: float = 60.0) -> CallResult:
        """Place the call to `number` and wait up to `ring_seconds` (call clock) for the answer.

        Returns ANSWERED once media flows, otherwise the failure (BUSY, NO_ANSWER on timeout,
        UNREACHABLE, FAILED, CANCELLED if `hangup` was called meanwhile). Never raises for a
        failed attempt.
        """
        ...

    async def answer(self) -> CallResult:
        """Answer an inbound call (200 OK); CANCELLED if the caller already gave up."""
        ...

    async def play(
        self, prompt: Prompt, *, barge_in_dtmf: bool = False, barge_in_speech: bool = False
    ) -> Heard:
        """Play `prompt` to the end, or until a digit / speech arrives when barge-in allows it.

        Returns what interrupted the prompt (`barged_in=True`), or SILENCE. Raises `MediaError`
        if the prompt cannot be rendered, `RemoteHangup` if the far end hangs up.
        """
        ...

    async def collect(
        self,
        *,
        dtmf: bool = True,
        speech: bool = False,
        wait_seconds: float = 5.0,
        max_digits: int | None = None,
        terminator: str | None = "#",
        language: str | None = None,
        hints: Sequence[str] = (),
        immediate: bool = False,
    ) -> Heard:
        """Listen for digits and/or one utterance.

        Digits end at `terminator` (not included), at `max_digits`, or after `wait_seconds` without
        a new digit; speech ends at the end of the utterance. Returns SILENCE after `wait_seconds`
        with nothing heard. Raises `RemoteHangup`. Speech is recognised in `language` (the
        leg's default when None), biased towards `hints` (the words and phrasings expected);
        with `immediate` (a scenario's `immediateStt`) the utterance ends at its first pause.
        """
        ...

    async def detect_machine(self, *, listen_seconds: float = 3.0) -> Detection:
        """Classify who answered (human, answering machine, AI assistant), with a confidence.

        Called right after the answer, while or before the first prompt plays. Raises
        `RemoteHangup`.
        """
        ...

    async def transfer(self, target: TransferTarget, *, ring_seconds: float = 60.0) -> CallResult:
        """Bridge the caller to `target` (REFER or a second leg), sending `extension` as DTMF
        after it answers. Returns the second leg's result; ANSWERED means the caller is now
        connected and this leg's scenario is over: a later `hangup` releases only this side
        and leaves the bridged parties talking."""
        ...

    async def hangup(self, result: CallResult = CallResult.ANSWERED) -> None:
        """End the call (BYE, or CANCEL / a final response before the answer). Idempotent."""
        ...

    def on_hangup(self, callback: Callable[[], None]) -> None:
        """Run `callback` once when the far end hangs up (immediately if it already has)."""
        ...

    def elapsed(self) -> float:
        """Seconds since the answer by the call's clock; 0 before it."""
        ...


IncomingHandler = Callable[[CallLeg], Coroutine[Any, Any, None]]  # run as a task


@runtime_checkable
class Gateway(Protocol):
    """A telephony driver: creates outbound legs and hands over inbound ones."""

    def outbound(
        self,
        *,
        to: str,
        caller: str | None = None,
        call_id: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> CallLeg:
        """A new, not yet dialled leg to `to` from `caller`; the engine calls `dial` on it.

        Args:
            options: per-call driver options (`attempt`; `simulation`, the simulator's script).
        """
        ...

    def on_incoming(self, handler: IncomingHandler) -> None:
        """Register the coroutine run (as its own task) for every inbound call, `RINGING`."""
        ...

    @property
    def clock(self) -> Clock:
        """The clock the driver's calls run on by default (the dialer schedules by it)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Hang up every live call and release sockets."""
        ...


class Clock(Protocol):
    """Monotonic seconds for durations, wall time for `{{now}}`, sleeping and timers."""

    def now(self) -> float: ...

    def wall(self) -> datetime: ...

    def sleep(self, seconds: float) -> Awaitable[None]:
        """Wait `seconds`. An awaitable, not always a coroutine: use `ensure_future` for a task."""
        ...

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle: ...


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class RealClock:
    """The event loop's clock."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def wall(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(max(seconds, 0.0), callback)


class _VirtualTimer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]):
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def _dead(entry: _VirtualTimer | asyncio.Future[None]) -> bool:
    return entry.cancelled if isinstance(entry, _VirtualTimer) else entry.done()


class _CountingExecutor(ThreadPoolExecutor):
    """The loop's default executor under a virtual clock: knows whether any job is running."""

    def __init__(self) -> None:
        super().__init__(thread_name_prefix="virtual-clock")
        self._lock = threading.Lock()
        self.running = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.running += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _: object) -> None:
        with self._lock:
            self.running -= 1


_EXECUTORS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _CountingExecutor] = (
    weakref.WeakKeyDictionary())


def _executor_of(loop: asyncio.AbstractEventLoop) -> _CountingExecutor:
    executor = _EXECUTORS.get(loop)
    if executor is None:
        executor = _EXECUTORS[loop] = _CountingExecutor()
        loop.set_default_executor(executor)
    return executor


class VirtualClock:
    """Virtual time for tests and benchmarks: when every task waits on this clock, time jumps to
    the next deadline. Time stands still while work runs in the loop's default executor
    (`asyncio.to_thread`, name lookups): a task waiting on a thread is not waiting on the clock.
    Other real waits (sockets, subprocesses) are not seen; `idle_yields` loop turns with nothing
    due count as "everyone waits". With `auto_advance=False` time moves only through `advance`
    (to hold calls still, e.g. to measure)."""

    def __init__(
        self, *, start: datetime | None = None, idle_yields: int = 3, auto_advance: bool = True
    ):
        self._now = 0.0
        self._start = start or datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        self._heap: list[tuple[float, int, _VirtualTimer | asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._idle_yields = idle_yields
        self._ticker: asyncio.Task[None] | None = None
        self.auto_advance = auto_advance

    def now(self) -> float:
        return self._now

    def wall(self) -> datetime:
        return self._start + timedelta(seconds=self._now)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> _VirtualTimer:
        timer = _VirtualTimer(callback)
        heapq.heappush(self._heap, (self._now + max(seconds, 0.0), next(self._seq), timer))
        if self.auto_advance and (self._ticker is None or self._ticker.done()):
            self._ticker = asyncio.get_running_loop().create_task(self._tick())
        return timer

    def sleep(self, seconds: float) -> asyncio.Future[None]:
        # A plain future, parked in the heap: no coroutine frame, timer object or closure.
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        heapq.heappush(self._heap, (self._now + max(seconds, 0.0), next(self._seq), future))
        if self.auto_advance and (self._ticker is None or self._ticker.done()):
            self._ticker = loop.create_task(self._tick())
        return future

    def advance(self, seconds: float) -> None:
        """Move time forward by hand, firing every timer due meanwhile."""
        self._fire_until(self._now + seconds)

    def next_deadline(self) -> float | None:
        """When the next live timer is due, if any."""
        while self._heap and _dead(self._heap[0][2]):
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def _fire_until(self, deadline: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= deadline:
            when, _, entry = heapq.heappop(heap)
            self._now = max(self._now, when)
            if isinstance(entry, _VirtualTimer):
                if not entry.cancelled:
                    entry.callback()
            elif not entry.done():
                entry.set_result(None)
        self._now = max(self._now, deadline)

    async def _tick(self) -> None:
        heap = self._heap
        executor = _executor_of(asyncio.get_running_loop())
        while heap:
            for _ in range(self._idle_yields):
                await asyncio.sleep(0)
            if executor.running:
                await asyncio.sleep(0.001)  # real time: a thread's result is on its way
                continue
            while heap and _dead(heap[0][2]):
                heapq.heappop(heap)
            if heap:
                self._fire_until(heap[0][0])
