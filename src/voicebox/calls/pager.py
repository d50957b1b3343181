"""Range windows over the newest-first call history: keyset seeks from the sweeper's marks.

Every answer equals `ORDER BY started_at DESC, id DESC OFFSET m LIMIT n` at the time of the
request; the sweeper's marks (voicebox.calls.ranks) only shorten the walk to offset m.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.calls import ranks, repository
from voicebox.calls.repository import HistoryFilter, Key
from voicebox.models import Call

# Content-Range totals are exact while fewer rows than this follow the page; else they read "*".
COUNT_MARGIN = 1_000
ABOVE_CAP = 20_000  # rows above the sweeper's floor counted per request; past it pages walk
FRESH_CAP = 20_000  # rows written since the last sweep that are checked; past it pages walk
DIRECT_BELOW = 2_000  # offsets this shallow walk from the newest row: cheaper than the marks
_TICK = timedelta(microseconds=1)  # both databases keep microseconds: to=T is key < (T+1µs, 0)

Rows = list[tuple[Call, str | None]]


async def walk(
    session: AsyncSession,
    where: HistoryFilter,
    *,
    position: int,
    limit: int,
    below: Key | None = None,
) -> tuple[Rows, int | None]:
    """The page `position` rows down from `below` (exclusive; None: the newest row), and the
    total from there; None when COUNT_MARGIN or more rows follow the page."""
    start = await repository.key_at(session, where, below, position)
    if start is None:
        # Past the end: fewer than `position` rows lie below, so this count is exact.
        return [], await repository.count(session, where, position, below=below)
    rows = await repository.page_from(session, where, start, limit)
    end = position + len(rows)
    if len(rows) < limit:
        return rows, end  # a short page is the end
    last = rows[-1][0]
    rest = await repository.count(session, where, COUNT_MARGIN, below=(last.started_at, last.id))
    return rows, (end + rest if rest < COUNT_MARGIN else None)


async def window(
    session: AsyncSession, where: HistoryFilter, *, offset: int, limit: int
) -> tuple[Rows, int | None]:
    """The Range page at `offset`: shallow ones walk from the newest row; deeper ones seek from
    the sweeper's nearest mark when the customer's marks can be trusted, else walk too."""
    if offset < DIRECT_BELOW or where.status is not None:
        # The sweeper's marks count every status: a status filter walks (totals past
        # COUNT_MARGIN read "*").
        return await walk(session, where, position=offset, limit=limit)
    state = await ranks.counted(session, where, fresh_cap=FRESH_CAP, above_cap=ABOVE_CAP)
    if state is None or state.above >= ABOVE_CAP:
        return await walk(session, where, position=offset, limit=limit)
    scope = ranks.Scope.of(where)
    # The filter's rows below the floor are the scope's ended rows in [low, top).
    top = state.floor if where.until is None else min(state.floor, (where.until + _TICK, 0))
    low = None if where.since is None else min((where.since, 0), top)
    rank_top = await ranks.ended_below(session, scope, top)
    below = rank_top - (0 if low is None else await ranks.ended_below(session, scope, low))
    total = state.above + below
    if offset < state.above:
        rows, _ = await walk(session, where, position=offset, limit=limit)
        return rows, total
    if offset >= total:
        return [], total
    start = await ranks.ended_key_at(session, scope, rank_top - 1 - (offset - state.above))
    if start is None:  # the history changed under us: the plain walk is always right
        return await walk(session, where, position=offset, limit=limit)
    return await repository.page_from(session, where, start, limit), total
