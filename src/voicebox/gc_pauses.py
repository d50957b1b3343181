"""Short garbage-collector pauses for a long-running process.

A full pass of Python's cyclic collector scans every tracked object with the event loop stopped.
A process that has imported FastAPI, SQLAlchemy, numpy and the speech stack holds 100,000–150,000
of them before its first call (60–110 ms a pass here), and every live call's audio is late by
as much. Those objects live as long as the process, so `serve` and `worker` take them out of the
collector's sight once, when started; what calls create later is collected as usual.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Collect what start-up left behind, then exempt everything still alive from later passes.
    Only for a process's entry point: in a test run it would keep each test's cycles forever."""
    gc.collect()
    gc.freeze()
