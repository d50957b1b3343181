"""Keeps `campaign_outcome_counts` and `campaign_branch_counts` equal to what a campaign's ended
calls and their step traces add up to, in the transaction that writes them.

Every write that can end a call (or rewrite an ended one) runs inside `counting(session, ids)`:
it tallies the ended rows of those call ids before and after, and upserts the difference. A row
rewritten twice (a late result after the lease sweep closed the call as 503) is therefore counted
once, with its last values. Counter rows are upserted in key order so concurrent writers on
PostgreSQL lock them in one order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Call, CampaignBranchCount, CampaignOutcomeCount
from voicebox.models.call import ENDED
from voicebox.models.campaign_count import NO_STATUS
from voicebox.store.db import dialect_insert, is_postgresql

# The kinds whose transitions are a subscriber's answer.
ANSWER_KINDS = frozenset({"IVR"})
# Ids per SELECT … IN (…): well under SQLite's and asyncpg's bound-parameter limits.
_CHUNK = 1000  # (a persister's batch is 200)


@dataclass
class Tally:
    """What some ended calls add up to, per campaign (negated to take them away)."""

    # (campaign, status) → [calls, answered, talk seconds, cost]
    outcomes: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    branches: Counter[tuple[int, str, str]] = field(default_factory=Counter)

    def add(self, campaign_id: int, status: int | None, answered: bool, duration: int,
            cost: Any, trace: Any, sign: int = 1) -> None:
        key = (campaign_id, NO_STATUS if status is None else int(status))
        totals = self.outcomes.setdefault(key, [0, 0, 0, Decimal(0)])
        totals[0] += sign
        totals[1] += sign * int(bool(answered))
        totals[2] += sign * int(duration or 0)
        totals[3] += sign * Decimal(str(cost or 0))
        for state, transition in answers(trace):
            self.branches[(campaign_id, state, transition)] += sign


def answers(trace: Any) -> Iterable[tuple[str, str]]:
    """(state, transition) of each answer step of a stored trace that left by a field."""
    if not isinstance(trace, list):
        return
    for step in trace:
        if (isinstance(step, dict) and step.get("kind") in ANSWER_KINDS
                and step.get("transition") is not None):
            yield str(step.get("state")), str(step["transition"])


async def _tally(session: AsyncSession, call_ids: list[str], tally: Tally, sign: int) -> None:
    """Add (sign 1) or take away (-1) what these calls add up to. Before the write (-1), on
    PostgreSQL, the rows are locked whatever their state, in the writers' lock order (abonent,
    call id), so a concurrent writer of the same call (the lease sweep closing it as 503 while
    its late result arrives) waits, and each counts only its own change."""
    lock = sign < 0 and is_postgresql(session)
    for first in range(0, len(call_ids), _CHUNK):
        query = (select(Call.state, Call.campaign_id, Call.status, Call.answered, Call.duration,
                        Call.cost, Call.trace)
                 .where(Call.call_id.in_(call_ids[first:first + _CHUNK])))
        if lock:
            query = query.order_by(func.coalesce(Call.abonent_id, 0), Call.call_id)
            query = query.with_for_update()
        else:
            query = query.where(Call.state == ENDED, Call.campaign_id.is_not(None))
        for state, campaign_id, status, answered, duration, cost, trace in \
                await session.execute(query):
            if state == ENDED and campaign_id is not None:
                tally.add(campaign_id, status, answered, duration, cost, trace, sign)


async def apply(session: AsyncSession, tally: Tally) -> None:
    """Add `tally` to the counters (rows that end at zero stay; readers skip them)."""
    outcomes = [{"campaign_id": c, "status": s, "calls": n, "answered": a, "talk_seconds": t,
                 "cost": m}
                for (c, s), (n, a, t, m) in sorted(tally.outcomes.items())
                if (n, a, t, m) != (0, 0, 0, 0)]
    if outcomes:
        upsert = dialect_insert(session)(CampaignOutcomeCount)
        table = CampaignOutcomeCount
        await session.execute(upsert.on_conflict_do_update(
            index_elements=["campaign_id", "status"],
            set_={"calls": table.calls + upsert.excluded.calls,
                  "answered": table.answered + upsert.excluded.answered,
                  "talk_seconds": table.talk_seconds + upsert.excluded.talk_seconds,
                  "cost": table.cost + upsert.excluded.cost}), outcomes)
    branches = [{"campaign_id": c, "state": s, "transition": t, "calls": n}
                for (c, s, t), n in sorted(tally.branches.items()) if n]
    if branches:
        upsert = dialect_insert(session)(CampaignBranchCount)
        await session.execute(upsert.on_conflict_do_update(
            index_elements=["campaign_id", "state", "transition"],
            set_={"calls": CampaignBranchCount.calls + upsert.excluded.calls}), branches)


@asynccontextmanager
async def counting(session: AsyncSession, call_ids: Iterable[str]) -> AsyncIterator[None]:
    """Run the body's writes to these calls and count what they changed among ended calls."""
    ids = sorted(set(call_ids))
    tally = Tally()
    await _tally(session, ids, tally, -1)
    yield
    await _tally(session, ids, tally, 1)
    await apply(session, tally)
