"""The dashboard's counters (campaign_outcome_counts, campaign_branch_counts) against what the
calls' rows and step traces say, after a real run through the dialer on the simulator with retries
and an IVR left by several branches; the migration's backfill gives the same counters; a call
rewritten after the lease sweep closed it counts once."""

from __future__ import annotations

import importlib.util
from collections import Counter
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, select, text
from tests.campaigns.helpers import RICH, run_to_the_end, simulated_campaign
from tests.dialer.conftest import dialer, insert_campaign  # noqa: F401
from tests.dialer.scenarios import survey

from voicebox.dialer.repository import Finished, dialer_repository
from voicebox.models import Abonent, Call, CampaignBranchCount, CampaignOutcomeCount
from voicebox.store.db import utcnow

MIGRATION = (Path(__file__).resolve().parents[2] / "src/voicebox/store/migrations/versions"
             / "2026_11_30_campaign_counts.py")
PHONES = [f"+7999100000{i}" for i in range(1, 9)]
SIMULATION = {
    "seed": 21,
    "default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]},
    "rules": [
        # Busy, then answers and presses 2: two attempts, one answer.
        {"match": "+79991000002", "attempts": [
            {"result": "busy"}, {"result": "answer", "answerDelay": 1, "inputs": ["2"]}]},
        {"match": "+79991000003", "result": "busy"},  # every attempt busy: three 486
        {"match": "+79991000004", "result": "answer", "answerDelay": 1, "inputs": ["0"]},
        {"match": "+79991000005", "result": "answer", "answerDelay": 1, "inputs": [""]},
        {"match": "+79991000006", "result": "answer", "answerDelay": 1, "inputs": ["7", "7"]},
        # No answer, then answers and presses 1.
        {"match": "+79991000007", "attempts": [
            {"result": "noanswer"}, {"result": "answer", "answerDelay": 1, "inputs": ["1"]}]},
    ],
}


def _backfill():
    spec = importlib.util.spec_from_file_location("campaign_counts_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _counters(session, campaign_id: int) -> tuple[dict, dict]:
    outcomes = {row.status: (row.calls, row.answered, row.talk_seconds, Decimal(row.cost))
                for row in await session.scalars(select(CampaignOutcomeCount).where(
                    CampaignOutcomeCount.campaign_id == campaign_id)) if row.calls}
    branches = {(row.state, row.transition): row.calls
                for row in await session.scalars(select(CampaignBranchCount).where(
                    CampaignBranchCount.campaign_id == campaign_id)) if row.calls}
    return outcomes, branches


async def test_counters_equal_the_calls_and_their_traces(app, client, make_tenant,
                                                         dialer):  # noqa: F811
    tenant = await make_tenant(balance=RICH)
    campaign_id = await simulated_campaign(app, client, tenant, name="Счётчики", program=survey(),
                                           phones=PHONES, simulation=SIMULATION, attempts=3)
    await dialer(scale=300)
    stats = await run_to_the_end(client, tenant, campaign_id, limit=90)

    async with app.state.sessionmaker() as session:
        calls = (await session.execute(
            select(Call.attempt, Call.state, Call.status, Call.answered, Call.duration,
                   Call.cost, Call.trace).where(Call.campaign_id == campaign_id))).all()
        counted = await _counters(session, campaign_id)

    # What the rows and traces say, derived here independently of the counters' code.
    outcomes: dict[int, list] = {}
    branches: Counter[tuple[str, str]] = Counter()
    for _attempt, state, status, answered, duration, cost, trace in calls:
        assert state == "ended"
        totals = outcomes.setdefault(status, [0, 0, 0, Decimal(0)])
        totals[0] += 1
        totals[1] += int(answered)
        totals[2] += duration
        totals[3] += Decimal(cost)
        for step in trace or []:
            if step.get("kind") == "IVR" and step.get("transition"):
                branches[(step["state"], step["transition"])] += 1
    assert counted == ({s: tuple(t) for s, t in outcomes.items()}, dict(branches))

    # The run had retries and an IVR left by several of its fields.
    assert max(attempt for attempt, *_ in calls) == 3
    assert len(calls) == len(PHONES) + 4  # +79991000003 thrice, -02 and -07 twice
    assert outcomes[486][0] == 4
    assert len({transition for (state, transition) in branches if state == "ask"}) >= 4
    assert branches[("ask", "inputAnalysis[0]")] == 3  # -01, -08 and -07 on its retry

    # The API reads the counters.
    assert stats["callsEnded"] == len(calls)
    assert {o["status"]: o["calls"] for o in stats["outcomes"]} == {
        s: t[0] for s, t in outcomes.items()}
    assert {(b["state"], b["transition"]): b["calls"] for b in stats["answers"]} == dict(branches)
    assert Decimal(stats["spent"]) == sum(t[3] for t in outcomes.values()).quantize(
        Decimal("0.01"))

    # The migration's backfill of existing calls gives the same counters.
    migration = _backfill()
    async with app.state.sessionmaker() as session:
        await session.execute(delete(CampaignOutcomeCount))
        await session.execute(delete(CampaignBranchCount))
        await session.execute(text(migration._OUTCOMES))
        await session.execute(text(migration._BRANCHES[session.get_bind().dialect.name]))
        await session.commit()
        assert await _counters(session, campaign_id) == counted


async def test_a_call_closed_by_the_sweep_then_written_late_counts_once(app, tenant):
    """The lease sweep closes a lost call as 503; the worker's result arrives after all and
    rewrites the row: the counters hold the last values only, once."""
    campaign = await insert_campaign(app, tenant.id, phones=["+79990000001"], simulation={})
    async with app.state.sessionmaker() as session:
        abonent = await session.scalar(select(Abonent).where(Abonent.campaign_id == campaign.id))
        abonent.state, abonent.attempts_made, abonent.lease_owner = "calling", 1, "w-late"
        session.add(Call(call_id="late-1", customer_id=tenant.id, campaign_id=campaign.id,
                         abonent_id=abonent.id, attempt=1, call_type="outbound",
                         cd_pn=abonent.phone, state="dialing", started_at=utcnow()))
        await session.commit()
        abonent_id = abonent.id

    async with app.state.sessionmaker() as session:
        await dialer_repository.dead_call(session, abonent_id=abonent_id, attempt=1,
                                          now=utcnow(), error="worker lost during the call")
        await dialer_repository.dead_call(session, abonent_id=abonent_id, attempt=1,
                                          now=utcnow(), error="worker lost during the call")
        await session.commit()
        assert await _counters(session, campaign.id) == ({503: (1, 0, 0, Decimal(0))}, {})

    trace = [{"index": 0, "state": "ask", "kind": "IVR", "start": 0, "transition": "onNoInput"}]
    late = Finished(call_id="late-1", abonent_id=abonent_id, attempt=1, status=200,
                    answered=True, duration=7, cost=Decimal("0.35"), trace=trace, variables={},
                    error=None, ended_at=utcnow(), abonent_state=None, next_attempt_at=None)
    async with app.state.sessionmaker() as session:
        await dialer_repository.finish(session, [late], owner=None)
        await session.commit()
        assert await _counters(session, campaign.id) == (
            {200: (1, 1, 7, Decimal("0.35"))}, {("ask", "onNoInput"): 1})
