"""A campaign's live figures, each one aggregate query in the database (the dashboard's feed): its
abonents by state, its calls by state and final status, the money they cost, and how often each
IVR state left by each of its fields (a branch `inputAnalysis[i]`, `onNoInput`…).

The branch counts read the calls' step traces (JSON arrays) with the database's own JSON
functions, so their cost grows with the campaign's calls but nothing crosses to Python but the
counts: `json_each` on SQLite, `json_array_elements` on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import Integer, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Abonent, Call, Campaign
from voicebox.models.call import ENDED

ABONENT_STATES = ("pending", "calling", "done", "failed", "cancelled")
# The kinds whose transitions are a subscriber's answer.
ANSWER_KINDS = ("IVR",)


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
    """The campaign's figures now (four aggregate queries)."""
    by_state = dict.fromkeys(ABONENT_STATES, 0)
    rows = await session.execute(
        select(Abonent.state, func.count()).where(Abonent.campaign_id == campaign.id)
        .group_by(Abonent.state)
    )
    for state, count in rows:
        by_state[state] = int(count)

    calls = await session.execute(
        select(Call.state, Call.status, func.count(), func.sum(Call.cost), func.sum(Call.duration),
               func.sum(cast(Call.answered, Integer)))
        .where(Call.campaign_id == campaign.id)
        .group_by(Call.state, Call.status)
    )
    in_flight = ended = answered = talk = 0
    spent = Decimal(0)
    outcomes: list[Outcome] = []
    for state, status, count, cost, seconds, answers in calls:
        spent += Decimal(cost or 0)
        if state != ENDED:
            in_flight += int(count)
            continue
        ended += int(count)
        answered += int(answers or 0)
        talk += int(seconds or 0)
        if status is not None:
            outcomes.append(Outcome(status=int(status), calls=int(count)))
    outcomes.sort(key=lambda o: (-o.calls, o.status))

    return CampaignStats(
        campaignId=campaign.id, abonents=by_state, callsInFlight=in_flight, callsEnded=ended,
        answered=answered, talkSeconds=talk, outcomes=outcomes,
        spent=str(spent.quantize(Decimal("0.01"))), currency=currency,
        answers=await _branches(session, campaign.id),
    )


_BRANCHES = {
    "sqlite": """
        SELECT json_extract(step.value, '$.state') AS state,
               json_extract(step.value, '$.transition') AS transition, count(*) AS calls
        FROM calls, json_each(calls.trace) AS step
        WHERE calls.campaign_id = :campaign AND calls.state = 'ended'
          AND json_type(calls.trace) = 'array'
          AND json_extract(step.value, '$.kind') IN (SELECT value FROM json_each(:kinds))
          AND json_extract(step.value, '$.transition') IS NOT NULL
        GROUP BY 1, 2
    """,
    "postgresql": """
        SELECT step ->> 'state' AS state, step ->> 'transition' AS transition, count(*) AS calls
        FROM calls CROSS JOIN LATERAL json_array_elements(
            CASE WHEN json_typeof(calls.trace) = 'array' THEN calls.trace ELSE '[]'::json END
        ) AS step
        WHERE calls.campaign_id = :campaign AND calls.state = 'ended'
          AND step ->> 'kind' IN (SELECT json_array_elements_text(CAST(:kinds AS json)))
          AND step ->> 'transition' IS NOT NULL
        GROUP BY 1, 2
    """,
}


async def _branches(session: AsyncSession, campaign_id: int) -> list[Branch]:
    dialect = session.get_bind().dialect.name
    kinds = "[" + ", ".join(f'"{kind}"' for kind in ANSWER_KINDS) + "]"
    rows = await session.execute(text(_BRANCHES[dialect]),
                                 {"campaign": campaign_id, "kinds": kinds})
    branches = [Branch(state=str(state), transition=str(transition), calls=int(calls))
                for state, transition, calls in rows]
    branches.sort(key=lambda b: (b.state, b.transition))
    return branches
