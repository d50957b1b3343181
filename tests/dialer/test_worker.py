"""The dialer against the real database: every abonent called, retries, lines, statuses, money."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update

from tests.dialer.conftest import calls_of, insert_campaign, states, wait_until
from tests.dialer.scenarios import survey
from voicebox.billing.service import billing_service
from voicebox.models import Abonent, Campaign, PhoneNumber
from voicebox.telephony.base import CallState

ANSWER = {"default": {"result": "answer", "answerDelay": 2, "inputs": ["1"]}}


def phones(count: int, prefix: str = "+7999") -> list[str]:
    return [f"{prefix}{n:07d}" for n in range(1, count + 1)]


async def done(app, campaign_id: int, total: int):
    counts = await states(app, campaign_id)
    return counts if sum(counts.get(s, 0) for s in ("done", "failed", "cancelled")) == total \
        else False


async def test_every_abonent_is_called_and_charged(app, tenant, dialer):
    campaign = await insert_campaign(app, tenant.id, phones=phones(20), simulation=ANSWER,
                                     variables=lambda p: {"name": f"N{p[-2:]}"})
    await dialer()
    counts = await wait_until(lambda: done(app, campaign.id, 20))
    assert counts == {"done": 20}
    calls = await calls_of(app, campaign.id)
    assert len(calls) == 20 and {c.status for c in calls} == {200}
    assert all(c.state == "ended" and c.answered and c.duration > 0 for c in calls)
    assert all(c.trace and c.trace[-1]["state"] == "end" for c in calls)
    assert calls[0].trace[2]["prompt"] == [f"Здравствуйте, N{calls[0].cd_pn[-2:]}!"]
    async with app.state.sessionmaker() as session:
        balance = await billing_service.balance(session, tenant.id)
    spent = sum((c.cost for c in calls), Decimal(0))
    assert spent > 0 and balance == Decimal("1000") - spent


async def test_busy_and_no_answer_are_retried_answered_never(app, tenant, dialer):
    simulation = {"default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]},
                  "rules": [
                      {"match": "+79990000001", "result": "busy"},
                      {"match": "+79990000002",
                       "attempts": [{"result": "noanswer"}, {"result": "answer"}]},
                      {"match": "+79990000003", "result": "unreachable"},
                  ]}
    campaign = await insert_campaign(app, tenant.id, phones=phones(4), simulation=simulation,
                                     attempts=3, attempts_interval=40)  # 0.1 s at the scale
    await dialer()
    await wait_until(lambda: done(app, campaign.id, 4))
    calls = await calls_of(app, campaign.id)
    by_phone: dict[str, list[tuple[int, int]]] = {}
    for call in calls:
        by_phone.setdefault(call.cd_pn, []).append((call.attempt, call.status))
    assert by_phone["+79990000001"] == [(1, 486), (2, 486), (3, 486)]
    assert by_phone["+79990000002"] == [(1, 480), (2, 200)]
    assert by_phone["+79990000003"] == [(1, 404)]
    assert by_phone["+79990000004"] == [(1, 200)]
    assert await states(app, campaign.id) == {"failed": 2, "done": 2}
    assert len({c.call_id for c in calls}) == len(calls)


async def test_max_lines_bounds_concurrent_calls(app, tenant, dialer):
    campaign = await insert_campaign(
        app, tenant.id, phones=phones(12), max_lines=3,
        simulation={"default": {"answerDelay": 2, "inputs": []}})
    worker = await dialer()
    peak = 0

    async def watch():
        nonlocal peak
        counts = await states(app, campaign.id)
        peak = max(peak, counts.get("calling", 0))
        return await done(app, campaign.id, 12)

    await wait_until(watch, every=0.01)
    assert 1 <= peak <= 3 and worker.peak_live <= 3


async def test_outside_the_window_nothing_is_called(app, tenant, dialer):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    closed_from = (now + timedelta(hours=1)).strftime("%H:%M")
    closed_to = (now + timedelta(hours=2)).strftime("%H:%M")
    campaign = await insert_campaign(app, tenant.id, phones=["+74951234567"],
                                     window_start=closed_from, window_stop=closed_to,
                                     simulation=ANSWER)
    await dialer()

    async def deferred():
        async with app.state.sessionmaker() as session:
            row = await session.scalar(select(Abonent).where(Abonent.campaign_id == campaign.id))
        return row if row.next_attempt_at is not None else None

    row = await wait_until(deferred)
    assert row.state == "pending" and row.attempts_made == 0
    assert row.next_attempt_at > now
    assert await calls_of(app, campaign.id) == []


async def set_status(app, campaign_id: int, status: str) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(update(Campaign).where(Campaign.id == campaign_id)
                              .values(status=status))
        await session.commit()


async def test_paused_starts_nothing_and_resumes(app, tenant, dialer):
    campaign = await insert_campaign(app, tenant.id, phones=phones(30), max_lines=2,
                                     simulation={"default": {"answerDelay": 4, "inputs": []}})
    await dialer()
    await wait_until(lambda: _called_at_least(app, campaign.id, 2))
    await set_status(app, campaign.id, "Paused")
    await wait_until(lambda: _nothing_calling(app, campaign.id))
    frozen = len(await calls_of(app, campaign.id))
    import asyncio

    await asyncio.sleep(0.3)
    assert len(await calls_of(app, campaign.id)) == frozen < 30
    await set_status(app, campaign.id, "Active")
    assert await wait_until(lambda: done(app, campaign.id, 30)) == {"done": 30}


async def test_stopped_cancels_what_is_left(app, tenant, dialer):
    campaign = await insert_campaign(
        app, tenant.id, phones=phones(30), max_lines=2,
        simulation={"default": {"answerDelay": 20, "inputs": []}})  # long rings
    await dialer(scale=100)
    await wait_until(lambda: _called_at_least(app, campaign.id, 1))
    await set_status(app, campaign.id, "Stopped")
    counts = await wait_until(lambda: done(app, campaign.id, 30))
    assert counts.get("cancelled", 0) >= 28
    statuses = {c.status for c in await calls_of(app, campaign.id)}
    assert 487 in statuses  # the ringing calls were hung up


async def test_stopping_hangs_up_ringing_lets_answered_finish_cancels_the_rest(
        app, client, tenant, dialer):
    """docs/api.md Campaigns and docs/operations.md promise exactly this."""
    talking, ringing, waiting = "+79990000001", "+79990000002", "+79990000003"
    campaign = await insert_campaign(
        app, tenant.id, phones=[talking, ringing, waiting], max_lines=2, body=survey(pause=60),
        simulation={"default": {"answerDelay": 1, "inputs": ["1"]},
                    "rules": [{"match": ringing, "answerDelay": 59}]})
    instance = await dialer(scale=20)

    async def both_live():
        legs = {job.callee: job.leg for job, _ in instance.live.values()}
        return (legs.get(talking) is not None and legs[talking].state is CallState.ANSWERED
                and ringing in legs)

    await wait_until(both_live)
    response = await client.patch(
        f"/v1/customers/{tenant.id}/campaigns/{campaign.id}/statuses",
        json={"status": "Stopped"}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert await wait_until(lambda: done(app, campaign.id, 3)) == {"done": 1, "cancelled": 2}
    calls = {c.cd_pn: c for c in await calls_of(app, campaign.id)}
    assert set(calls) == {talking, ringing}  # the waiting abonent was never called
    assert calls[ringing].status == 487
    assert calls[talking].status == 200 and calls[talking].duration >= 60  # talked on
    async with app.state.sessionmaker() as session:
        by_phone = dict((await session.execute(
            select(Abonent.phone, Abonent.state).where(Abonent.campaign_id == campaign.id)
        )).all())
    assert by_phone == {talking: "done", ringing: "cancelled", waiting: "cancelled"}


async def test_balance_exhaustion_suspends_and_top_up_resumes(app, make_tenant, dialer):
    poor = await make_tenant(balance="0.05")
    campaign = await insert_campaign(
        app, poor.id, phones=phones(10), max_lines=1,
        simulation={"default": {"answerDelay": 1, "inputs": ["1"], "hangupAfter": 60}})
    await dialer()

    async def suspended():
        async with app.state.sessionmaker() as session:
            row = await session.get(Campaign, campaign.id)
        return row if row.status == "Suspended" else None

    row = await wait_until(suspended)
    assert row.suspended_reason == "balance"
    made = len(await calls_of(app, campaign.id))
    assert 1 <= made < 10
    async with app.state.sessionmaker() as session:
        assert await billing_service.balance(session, poor.id) <= 0
        customer = await session.get(type(poor.customer), poor.id)
        await billing_service.top_up(session, customer=customer, amount=Decimal(1000))
        await session.commit()
    assert await wait_until(lambda: done(app, campaign.id, 10)) == {"done": 10}
    async with app.state.sessionmaker() as session:
        assert (await session.get(Campaign, campaign.id)).status == "Active"


async def test_a_number_gone_suspends_and_its_return_resumes(app, client, tenant, dialer):
    campaign = await insert_campaign(app, tenant.id, phones=phones(3),
                                     simulation={"default": {"answerDelay": 1, "inputs": ["1"]}})
    await _give_number(app, campaign.caller_number_id, None)
    await dialer()

    async def suspended():
        async with app.state.sessionmaker() as session:
            row = await session.get(Campaign, campaign.id)
        return row if row.status == "Suspended" else None

    assert (await wait_until(suspended)).suspended_reason == "number"
    assert await calls_of(app, campaign.id) == []
    # A client cannot lift it while the cause stays, and is told why.
    response = await client.patch(
        f"/v1/customers/{tenant.id}/campaigns/{campaign.id}/statuses",
        json={"status": "Active"}, headers=tenant.headers)
    assert response.status_code == 409
    assert "number is no longer the customer's" in response.json()[0]["message"]
    await _give_number(app, campaign.caller_number_id, tenant.id)
    assert await wait_until(lambda: done(app, campaign.id, 3)) == {"done": 3}


async def _give_number(app, number_id: int, customer_id: int | None) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(update(PhoneNumber).where(PhoneNumber.id == number_id)
                              .values(customer_id=customer_id))
        await session.commit()


async def _called_at_least(app, campaign_id: int, count: int) -> bool:
    return len(await calls_of(app, campaign_id)) >= count


async def _nothing_calling(app, campaign_id: int) -> bool:
    return (await states(app, campaign_id)).get("calling", 0) == 0
