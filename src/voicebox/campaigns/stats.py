"""A campaign's live figures, each one aggregate query in the database (the dashboard's feed): its
abonents by state, its calls by state and final status, the money they cost, and how often each
IVR state left by each of its fields (a branch `inputAnalysis[i]`, `onNoInput`…).

Ended calls and the branches their traces took are not read here: the transaction that ends a
call adds it to the campaign's counters (voicebox.calls.campaign_counts), so a request reads a
few counter rows, the calls still in flight (a partial index) and the abonents' states (an
index-only count), whatever the campaign's size.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Abonent, Call, Campaign, CampaignBranchCount, CampaignOutcomeCount
from voicebox.models.campaign_count import NO_STATUS

ABONENT_STATES = ("pending", "calling", "done", "failed", "cancelled")
_UNENDED = text("calls.state <> 'ended'")


class Outcome(BaseModel):
    status: int = Field(description="The call's final status: 200 answered, 486 busy, 480…")
    calls: int


class Branch(BaseModel):
    state: str = Field(description="The IVR state's name")
    transition: str = Field(
        description="The field it left by: inputAnalysis[i] (a branch), onNoInput, onInvalidInput…"
    )
    calls: int = Field(description="Calls that left the state this way (each pass counted)")


class CampaignStats(BaseModel):
    """Extension: the dashboard's figures, computed in the database on each request."""

    campaignId: int
    abonents: dict[str, int] = Field(description="Abonents by state: " + ", ".join(ABONENT_STATES))
    callsInFlight: int = Field(description="Calls dialing or in progress")
    callsEnded: int
    answered: int = Field(description="Ended calls that were answered")
    talkSeconds: int = Field(description="Answered seconds of the ended calls")
    outcomes: list[Outcome] = Field(description="Ended calls by final status, most frequent first")
    spent: str = Field(description="What the campaign's calls cost", examples=["12.40"])
    currency: str
    answers: list[Branch] = Field(description="IVR states by the way calls left them")


async def campaign_stats(session: AsyncSession, campaign: Campaign, currency: str) -> CampaignStats:
    """The campaign's figures now: four short reads, none proportional to its ended calls."""
    by_state = dict.fromkeys(ABONENT_STATES, 0)
    rows = await session.execute(
        select(Abonent.state, func.count()).where(Abonent.campaign_id == campaign.id)
        .group_by(Abonent.state)
    )
    for state, count in rows:
        by_state[state] = int(count)

    # Calls not ended yet are few: the partial index ix_calls_campaign_unended holds only them
    # (the literal predicate is what lets SQLite pick it).
    in_flight, unended_cost = (await session.execute(
        select(func.count(), func.sum(Call.cost))
        .where(Call.campaign_id == campaign.id, _UNENDED)
    )).one()
    spent = Decimal(unended_cost or 0)
    ended = answered = talk = 0
    outcomes: list[Outcome] = []
    counts = await session.scalars(
        select(CampaignOutcomeCount).where(CampaignOutcomeCount.campaign_id == campaign.id))
    for row in counts:
        if not row.calls:
            continue
        spent += Decimal(row.cost or 0)
        ended += row.calls
        answered += row.answered
        talk += row.talk_seconds
        if row.status != NO_STATUS:
            outcomes.append(Outcome(status=row.status, calls=row.calls))
    outcomes.sort(key=lambda o: (-o.calls, o.status))

    branches = [
        Branch(state=row.state, transition=row.transition, calls=row.calls)
        for row in await session.scalars(
            select(CampaignBranchCount).where(CampaignBranchCount.campaign_id == campaign.id,
                                              CampaignBranchCount.calls > 0))
    ]
    branches.sort(key=lambda b: (b.state, b.transition))
    return CampaignStats(
        campaignId=campaign.id, abonents=by_state, callsInFlight=int(in_flight),
        callsEnded=ended, answered=answered, talkSeconds=talk, outcomes=outcomes,
        spent=str(spent.quantize(Decimal("0.01"))), currency=currency, answers=branches,
    )
