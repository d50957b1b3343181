"""The shared frame pacer: an absolute 20 ms grid; after a stall it catches up frame by frame,
unless it is more than `max_behind` frames late (RTP's pacer: 10), then it skips ahead."""

from __future__ import annotations

import itertools

import pytest

from voicebox.telephony.base import VirtualClock
from voicebox.telephony.pacer import FramePacer


async def _ticks_around_a_stall(max_behind: int, stall: float) -> list[float]:
    clock = VirtualClock()
    pacer = FramePacer(clock, max_behind=max_behind)
    ticks: list[float] = []

    def ticker(at: float) -> None:
        ticks.append(at)
        if len(ticks) == 5:
            clock.advance(stall)  # the loop was busy elsewhere this long
        if len(ticks) == 10:
            pacer.remove(ticker)

    pacer.add(ticker)
    await clock.sleep(5)
    await pacer.stop()
    return ticks


@pytest.mark.parametrize(("max_behind", "stall", "gap"), [
    (50, 0.5, 0.02),  # half a second late: every frame still goes, on the grid
    (10, 1.0, 1.0),  # a second late with RTP's limit: skip ahead, no second-long burst
])
async def test_grid_catch_up_and_skip(max_behind: int, stall: float, gap: float) -> None:
    ticks = await _ticks_around_a_stall(max_behind, stall)
    assert len(ticks) == 10
    steps = [round(b - a, 6) for a, b in itertools.pairwise(ticks)]
    assert steps[:4] == [0.02] * 4  # on the grid before the stall
    assert steps[4] == pytest.approx(gap, abs=0.021)
    assert steps[5:] == [0.02] * 4  # and on a grid again after it
