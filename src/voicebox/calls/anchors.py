"""In-process anchors for `Range: callhistory=a-b`: keyset positions remembered between pages.

The history below a *floor* never changes: every row older than the customer's oldest call
not yet ended (and older than a clock slack) is already final, and new calls only arrive above
it. So an entry remembers `floor` and, for rows below it, "the rows strictly older than key K
start at frozen position b". A request at offset M counts the (few) rows above the floor, then
seeks from the nearest anchor and OFFSETs only the remainder. The cache is only an accelerator:
a missing or dropped entry means a longer walk, never a different answer.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime

from voicebox.calls.repository import Key

MAX_ENTRIES = 1_024
MAX_ANCHORS = 64


@dataclass(slots=True)
class Entry:
    """Anchors of one customer + filter, valid for rows older than `floor`."""

    floor: datetime
    seen_id: int  # every row with a larger id is checked for landing below the floor
    anchors: OrderedDict[int, Key] = field(default_factory=OrderedDict)  # b → key, LRU order

    @property
    def root(self) -> Key:
        # Exclusive bound: (floor, 0) admits exactly the rows with started_at < floor.
        return (self.floor, 0)

    def nearest(self, position: int) -> tuple[int, Key]:
        """The anchor with the largest b ≤ position (the floor itself is b = 0)."""
        best = max((b for b in self.anchors if b <= position), default=0)
        if best == 0:
            return 0, self.root
        self.anchors.move_to_end(best)
        return best, self.anchors[best]

    def remember(self, position: int, key: Key) -> None:
        self.anchors[position] = key
        self.anchors.move_to_end(position)
        while len(self.anchors) > MAX_ANCHORS:
            self.anchors.popitem(last=False)

    def raised(self, floor: datetime, moved: int) -> Entry:
        """A copy for a higher floor with `moved` more frozen rows above every anchor."""
        shifted = OrderedDict((b + moved, key) for b, key in self.anchors.items())
        return Entry(floor, self.seen_id, shifted)


class AnchorCache:
    """A bounded LRU of entries keyed by the whole filter (the customer included)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()

    def get(self, where: Hashable) -> Entry | None:
        entry = self._entries.get(where)
        if entry is not None:
            self._entries.move_to_end(where)
        return entry

    def put(self, where: Hashable, entry: Entry) -> None:
        self._entries[where] = entry
        self._entries.move_to_end(where)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def drop(self, where: Hashable) -> None:
        self._entries.pop(where, None)

    def clear(self) -> None:
        self._entries.clear()


anchor_cache = AnchorCache()
