"""`serve` and `worker` take start-up's objects out of the garbage collector's full passes and
make those passes rarer."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import gc
import voicebox.app  # what a serving process has imported before its first call
from voicebox.gc_pauses import quiet_the_collector
before = len(gc.get_objects())
quiet_the_collector()
print(before, gc.get_freeze_count(), len(gc.get_objects()), gc.get_threshold()[2])
"""


def test_start_up_objects_are_frozen_out_of_full_collections() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    before, frozen, scanned, full_pass_every = map(int, out)
    assert before > 50_000  # the imports alone: what each full pass used to scan
    assert frozen >= before * 0.9 and scanned < 1_000
    assert full_pass_every == 100
