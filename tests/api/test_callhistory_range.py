"""`Range: callhistory=a-b` over the sweeper's marks: every page equals a plain OFFSET answer."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from tests.calls.helpers import T0, Seeder, make_campaigns, reference, sweep_history
from tests.campaigns.helpers import assert_errors

from voicebox.calls import pager, sweep
from voicebox.calls.service import history_filter


@pytest.fixture(autouse=True)
def _marks_from_the_first_page(monkeypatch):
    # Real shallow pages walk from the newest row; these tests have small histories.
    monkeypatch.setattr(pager, "DIRECT_BELOW", 0)
    monkeypatch.setattr(sweep, "MARK_EVERY", 5)


async def _sweep(app) -> None:
    await sweep_history(app, chunk=40)


def _query(params: dict[str, str]) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""


async def _page(client, tenant, params: dict[str, str], first: int, size: int):
    return await client.get(
        f"/v1/customers/{tenant.id}/callhistory{_query(params)}",
        headers={**tenant.headers, "Range": f"callhistory={first}-{first + size - 1}"})


def _filters(campaigns: list[int]) -> list[dict[str, str]]:
    since, until = int((T0 + timedelta(seconds=8)).timestamp()), int(
        (T0 + timedelta(seconds=31)).timestamp())
    return [{}, {"campaignId": str(campaigns[0])}, {"from": str(since)},
            {"campaignId": str(campaigns[1]), "from": str(since), "to": str(until)}]


def _where(tenant, params: dict[str, str]):
    return history_filter(tenant.id, params.get("campaignId"), params.get("from"),
                          params.get("to"))


async def test_sequential_pages_and_jumps_equal_offset(app, client, tenant, monkeypatch):
    monkeypatch.setattr(pager, "COUNT_MARGIN", 20)
    rng = random.Random(20261127)
    campaigns = await make_campaigns(app, tenant.id)
    await Seeder(app, tenant.id, campaigns, rng).seed(260)
    for params in _filters(campaigns):
        await _check_every_page(app, client, tenant, params, rng, exact=False)
    await _sweep(app)
    for params in _filters(campaigns):
        await _check_every_page(app, client, tenant, params, rng, exact=True)


async def _check_every_page(app, client, tenant, params, rng, *, exact: bool) -> None:
    """Sequential pages, random jumps and a start past the end; totals are exact everywhere
    from the marks, and near the end only when pages walk."""
    expected = await reference(app, _where(tenant, params))
    assert len(expected) > 30
    seen: list[str] = []
    while True:
        response = await _page(client, tenant, params, len(seen), 7)
        assert response.status_code == 206, response.text
        got = [c["callId"] for c in response.json()]
        first = len(seen)
        assert got == expected[first:first + 7]
        after = len(expected) - first - len(got)
        total = str(len(expected)) if exact or after < 20 else "*"
        assert response.headers["content-range"] == (
            f"callhistory {first}-{first + len(got) - 1}/{total}")
        seen += got
        if len(got) < 7:  # a short page is the end
            break
    assert seen == expected
    for _ in range(15):
        first = rng.randrange(len(expected))
        response = await _page(client, tenant, params, first, 10)
        assert [c["callId"] for c in response.json()] == expected[first:first + 10]
    past = await _page(client, tenant, params, len(expected) + rng.randrange(3), 5)
    assert_errors(past, 416)
    assert past.headers["content-range"] == f"callhistory */{len(expected)}"


async def test_new_calls_between_pages(app, client, tenant, monkeypatch):
    """Calls that start now, end later, or were in flight for long, with sweeps between the
    pages (no slack: every call already written is below the next floor): pages stay exact."""
    monkeypatch.setattr(sweep, "SLACK", timedelta(0))
    rng = random.Random(7)
    campaigns = await make_campaigns(app, tenant.id)
    seeder = Seeder(app, tenant.id, campaigns, rng)
    await seeder.seed(150)
    stuck = await seeder.add(T0 + timedelta(seconds=20), state="dialing")
    live: list[int] = []
    for params in ({}, {"campaignId": str(campaigns[0])}):
        where = _where(tenant, params)
        for step in range(24):
            expected = await reference(app, where)
            first = (step * 9) % len(expected)
            response = await _page(client, tenant, params, first, 9)
            assert [c["callId"] for c in response.json()] == expected[first:first + 9], step
            if step % 4 == 0:
                await _sweep(app)
            live += await seeder.dial_now(rng.randrange(3))
            if step % 3 == 1 and live:
                await seeder.end(live[:2])
                live = live[2:]
            if step == 8:
                await seeder.end([stuck])  # the in-flight call deep in the history ends
            if step == 15:
                # A row written straight into the old history (no dialer does this).
                await seeder.add(T0 + timedelta(seconds=5), campaign_id=campaigns[0])


@pytest.mark.parametrize("size", [1, 50])
async def test_equal_timestamps_break_ties_by_id(app, client, tenant, size):
    seeder = Seeder(app, tenant.id, [], random.Random(size))
    await seeder.seed(120, seconds=2)
    expected = await reference(app, _where(tenant, {}))
    seen: list[str] = []
    for first in range(0, 120, size):
        seen += [c["callId"] for c in (await _page(client, tenant, {}, first, size)).json()]
    assert seen == expected
