"""The history sweeper runs inside every dialer: calls it places become marks that serve deep
Range pages through the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.calls.helpers import reference
from tests.dialer.conftest import insert_campaign, wait_until
from tests.dialer.test_worker import ANSWER, done, phones
from voicebox.calls import pager, sweep
from voicebox.calls.repository import HistoryFilter
from voicebox.models import HistoryCount
from voicebox.models.history_mark import ALL_CAMPAIGNS


async def test_the_dialer_sweeps_the_calls_it_places(app, client, tenant, dialer, monkeypatch):
    monkeypatch.setattr(sweep, "SLACK", timedelta(0))
    monkeypatch.setattr(sweep, "EVERY_SECONDS", 0.05)
    monkeypatch.setattr(sweep, "MARK_EVERY", 4)
    monkeypatch.setattr(pager, "DIRECT_BELOW", 0)
    monkeypatch.setattr(pager, "COUNT_MARGIN", 2)  # a walk shows "*" unless the end is near
    campaign = await insert_campaign(app, tenant.id, phones=phones(30), simulation=ANSWER)
    await dialer()
    await wait_until(lambda: done(app, campaign.id, 30))

    async def counted() -> bool:
        async with app.state.sessionmaker() as session:
            return await session.scalar(select(HistoryCount.counted).where(
                HistoryCount.customer_id == tenant.id,
                HistoryCount.campaign_id == ALL_CAMPAIGNS)) == 30

    await wait_until(counted)

    async def trusted() -> bool:
        # Counted is not yet trusted: a call row can commit after a sweep round moved the floor
        # past its start (PostgreSQL under load); the next round's check recounts, then pages
        # read the marks. Until then the API answers "*" for the total, which is also correct.
        response = await client.get(
            f"/v1/customers/{tenant.id}/callhistory?campaignId={campaign.id}",
            headers={**tenant.headers, "Range": "callhistory=0-6"})
        return response.headers.get("content-range") == "callhistory 0-6/30"

    await wait_until(trusted)
    expected = await reference(app, HistoryFilter(tenant.id))
    for first in range(0, 30, 7):
        response = await client.get(
            f"/v1/customers/{tenant.id}/callhistory?campaignId={campaign.id}",
            headers={**tenant.headers, "Range": f"callhistory={first}-{first + 6}"})
        assert response.status_code == 206, response.text
        assert [c["callId"] for c in response.json()] == expected[first:first + 7]
        last = min(first + 6, 29)
        assert response.headers["content-range"] == f"callhistory {first}-{last}/30"
