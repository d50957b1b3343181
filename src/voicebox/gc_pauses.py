"""Fewer and shorter garbage-collector pauses for a long-running process.

A full pass of Python's cyclic collector scans every tracked object with the event loop stopped,
and every live call's audio is late by as long:
- A process that has imported FastAPI, SQLAlchemy, numpy and the speech stack holds 100,000–150,000
  objects before its first call (60–110 ms a pass here). They live as long as the process, so
  `serve` and `worker` take them out of the collector's sight once, when started.
- With 500 calls up, a full pass over the calls' own objects still takes 30–70 ms, and by default
  one comes every 10 middle-generation passes (about every 30 s there). Full passes are made ten
  times rarer: cyclic garbage waits longer to be freed, and calls are stopped ten times less often.
"""

from __future__ import annotations

import gc

FULL_PASS_EVERY = 100  # middle-generation passes between full ones (CPython's default: 10)


def quiet_the_collector() -> None:
    """Collect what start-up left behind, exempt everything still alive from later passes, and
    make full passes rarer. Only for a process's entry point: in a test run it would keep each
    test's cycles forever."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_PASS_EVERY)
