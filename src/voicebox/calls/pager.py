"""Range windows over the newest-first call history: keyset seeks from remembered anchors.

Every answer equals `ORDER BY started_at DESC, id DESC OFFSET m LIMIT n` at the time of the
request; the anchors (voicebox.calls.anchors) only shorten the walk to offset m.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.calls import repository
from voicebox.calls.anchors import AnchorCache, Entry
from voicebox.calls.repository import HistoryFilter, Key, Watermarks
from voicebox.models import Call
from voicebox.store.db import utcnow

# Content-Range totals are exact while fewer rows than this follow the page; else they read "*".
COUNT_MARGIN = 1_000
# Rows younger than this may still be committed by a slow writer (or a skewed clock): never frozen.
SLACK = timedelta(seconds=60)
ABOVE_CAP = 20_000  # rows above the floor counted per request; past it anchors are not used
REBASE_AT = 1_000  # raise the floor once this many rows sit above it
NEW_ROWS_CAP = 20_000  # rows inserted since the entry's last check that are worth checking
DIRECT_BELOW = 2_000  # offsets this shallow walk from the newest row: cheaper than the cache
_NO_ID = 2**31 - 1

Rows = list[tuple[Call, str | None]]


async def walk(
    session: AsyncSession,
    where: HistoryFilter,
    *,
    position: int,
    limit: int,
    anchor: tuple[int, Key | None] = (0, None),
    shift: int = 0,
) -> tuple[Rows, int | None]:
    """The page at `position` rows below the anchor's origin, and the total counted from the
    top (`shift` rows sit above that origin); None when COUNT_MARGIN or more rows follow it.

    anchor (b, key): the rows strictly older than `key` (None: all rows) start at position b.
    """
    b, key = anchor
    start = await repository.key_at(session, where, key, position - b)
    if start is None:
        # Past the end: fewer than position - b rows lie below the anchor, so this is exact.
        rest = await repository.count(session, where, position - b, below=key)
        return [], shift + b + rest
    rows = await repository.page_from(session, where, start, limit)
    end = shift + position + len(rows)
    if len(rows) < limit:
        return rows, end  # a short page is the end
    last = rows[-1][0]
    rest = await repository.count(session, where, COUNT_MARGIN, below=(last.started_at, last.id))
    return rows, (end + rest if rest < COUNT_MARGIN else None)


def _still_valid(entry: Entry, marks: Watermarks) -> bool:
    """Nothing can have landed below the entry's floor since its last check."""
    if marks.max_id < entry.seen_id or marks.new_rows >= NEW_ROWS_CAP:
        return False  # rows deleted (ids went back), or too many new rows to check cheaply
    return all(moment is None or moment >= entry.floor
               for moment in (marks.oldest_new, marks.oldest_unended))


async def window(
    session: AsyncSession,
    where: HistoryFilter,
    *,
    offset: int,
    limit: int,
    cache: AnchorCache,
    mark: Hashable = None,
) -> tuple[Rows, int | None]:
    """The Range page at `offset`, seeking from the cache's nearest anchor when it can."""
    if offset < DIRECT_BELOW:
        return await walk(session, where, position=offset, limit=limit)
    key = (where, mark)
    entry = cache.get(key)
    now_floor = utcnow() - SLACK
    seen = entry.seen_id if entry is not None else _NO_ID
    root = entry.root if entry is not None else (now_floor, 0)
    marks = await repository.watermarks(session, where, seen, NEW_ROWS_CAP, root, ABOVE_CAP)
    floor = now_floor
    if marks.oldest_unended is not None:
        floor = min(floor, marks.oldest_unended)
    above = marks.above
    if entry is None or not _still_valid(entry, marks):
        entry = Entry(floor, marks.max_id)
        if entry.root != root:
            above = await repository.count(session, where, ABOVE_CAP, at_or_above=entry.root)
    entry.seen_id = marks.max_id
    if above >= REBASE_AT and floor > entry.floor:
        # The rows between the two floors are final now: count them once, shift the anchors.
        moved = await repository.count(
            session, where, ABOVE_CAP, below=(floor, 0), at_or_above=entry.root
        )
        entry = entry.raised(floor, moved) if moved < ABOVE_CAP else Entry(floor, marks.max_id)
        above = await repository.count(session, where, ABOVE_CAP, at_or_above=entry.root)
    cache.put(key, entry)
    if above >= ABOVE_CAP or offset < above:
        return await walk(session, where, position=offset, limit=limit)
    position = offset - above
    anchor = entry.nearest(position)
    rows, total = await walk(
        session, where, position=position, limit=limit, anchor=anchor, shift=above
    )
    if rows:
        last = rows[-1][0]
        entry.remember(position + len(rows), (last.started_at, last.id))
    return rows, total
