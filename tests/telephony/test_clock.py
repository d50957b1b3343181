"""The virtual and the real clock behind `voicebox.telephony.base.Clock`."""

import asyncio
import time

from voicebox.telephony.base import CallResult, RealClock, VirtualClock


async def test_virtual_time_jumps_to_each_deadline_in_order():
    clock = VirtualClock()
    order: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float):
        await clock.sleep(seconds)
        order.append((name, clock.now()))

    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.gather(sleeper("b", 3600), sleeper("a", 5), sleeper("c", 86400))
    assert order == [("a", 5), ("b", 3600), ("c", 86400)]
    assert loop.time() - began < 1
    assert (clock.wall() - VirtualClock().wall()).total_seconds() == 86400


async def test_virtual_timers_cancel_and_manual_advance():
    clock = VirtualClock(auto_advance=False)
    fired: list[str] = []
    clock.call_later(10, lambda: fired.append("ten"))
    clock.call_later(20, lambda: fired.append("twenty")).cancel()
    assert clock.next_deadline() == 10
    clock.advance(15)
    assert fired == ["ten"] and clock.now() == 15 and clock.next_deadline() is None


async def test_cancelled_virtual_sleep_does_not_block_time():
    clock = VirtualClock()
    task = asyncio.ensure_future(clock.sleep(1000))  # an awaitable, not a coroutine
    await asyncio.sleep(0)
    task.cancel()
    await clock.sleep(1)
    assert clock.now() == 1


async def test_real_clock():
    clock = RealClock()
    start = clock.now()
    fired = asyncio.Event()
    clock.call_later(0.01, fired.set)
    await clock.sleep(0.02)
    assert fired.is_set() and clock.now() - start >= 0.02 and clock.wall().tzinfo is not None


def test_call_results_are_sip_codes():
    assert [int(r) for r in CallResult] == [200, 486, 480, 404, 487, 503]
    assert CallResult.NO_ANSWER.label == "no_answer"


async def test_virtual_time_stands_still_while_a_thread_works():
    """A task awaiting `to_thread` is not waiting on the clock (an engine run in virtual time
    once expired while its HTTP client was built in a thread)."""
    clock = VirtualClock()
    fired: list[float] = []
    clock.call_later(3600, lambda: fired.append(clock.now()))
    await asyncio.to_thread(time.sleep, 0.05)
    assert fired == [] and clock.now() == 0
    await clock.sleep(3600)
    assert fired == [3600]


async def test_a_held_call_clock_stops_and_its_timers_wait():
    from voicebox.telephony.simulated.clock import CallClock

    base = VirtualClock(auto_advance=False)
    clock = CallClock(base)
    fired: list[float] = []
    clock.call_later(10, lambda: fired.append(clock.now()))
    base.advance(4)
    clock.hold()  # real work for the call: its time stands still
    base.advance(30)
    assert clock.now() == 4 and not fired and base.now() == 34
    clock.release()
    base.advance(5.5)
    assert clock.now() == 9.5 and not fired
    base.advance(1)
    assert fired == [10]
    clock.hold()
    clock.hold()  # holds nest
    clock.release()
    base.advance(3)
    assert clock.now() == 10.5
    clock.release()
    assert clock.now() == 10.5 and clock.wall() == base.wall()
