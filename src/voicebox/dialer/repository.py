"""Every query of the dialer: campaigns to serve, claiming due abonents under a lease,
lease renewal, finishing calls, and re-queueing the calls of dead workers.

PostgreSQL: claims lock the campaign row and the abonent rows with `FOR UPDATE SKIP LOCKED`, so
any number of workers share the queue. SQLite: a claim starts with a write so the transaction
holds the database's write lock before it reads (one embedded worker per database).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.calls import repository as calls_repository
from voicebox.calls.campaign_counts import counting
from voicebox.campaigns import repository as campaigns_repository
from voicebox.models import (
    Abonent,
    Call,
    Campaign,
    Customer,
    PhoneNumber,
    Scenario,
)
from voicebox.models.abonent import CALLING, CANCELLED, PENDING
from voicebox.models.call import DIALING, ENDED
from voicebox.models.campaign import ACTIVE, PAUSED, STOPPED, SUSPENDED  # noqa: F401 - the dialer imports them from here
from voicebox.scenarios import repository as scenarios_repository
from voicebox.store.db import is_postgresql
from voicebox.store.repository import rowcount


@dataclass(slots=True)
class Due:
    """A claimable abonent, as read under the claim's lock."""

    id: int
    phone: str
    timezone: str | None
    attempts_made: int
    first_call_id: str | None
    variables: dict[str, Any]


@dataclass(slots=True)
class Started:
    """One claimed attempt: written as `calling` + a `dialing` history row in the claim."""

    abonent_id: int
    attempt: int
    call_id: str
    customer_id: int
    campaign_id: int
    call_type: str
    caller: str
    callee: str
    started_at: datetime
    hold: Decimal = Decimal(0)  # money held from the customer until the call ends


@dataclass(slots=True)
class Finished:
    """One ended attempt to persist."""

    call_id: str
    abonent_id: int | None
    attempt: int
    status: int
    answered: bool
    duration: int
    cost: Any
    trace: list[Any] | None
    variables: dict[str, Any] | None
    error: str | None
    ended_at: datetime
    abonent_state: str | None  # None: leave the abonent alone
    next_attempt_at: datetime | None


# Declarative models type `__table__` as any FromClause; theirs are Tables (update / insert).
ABONENTS = cast(Table, Abonent.__table__)
CALLS = cast(Table, Call.__table__)


class DialerRepository:
    async def campaigns(self, session: AsyncSession, *, also: Iterable[int] = ()) -> list[Any]:
        """Active and Suspended outbound campaigns, plus `also` (those we have live calls on,
        whatever their status), with what the dialer needs of each."""
        query = (
            select(Campaign, Scenario.updated_at.label("scenario_updated"),
                   PhoneNumber.number.label("caller"),
                   PhoneNumber.customer_id.label("number_owner"),
                   Customer.credit_limit, Customer.tariff)
            .join(Customer, Customer.id == Campaign.customer_id)
            .outerjoin(Scenario, Scenario.id == Campaign.scenario_id)
            .outerjoin(PhoneNumber, PhoneNumber.id == Campaign.caller_number_id)
            .where(or_(and_(Campaign.deleted_at.is_(None), Campaign.campaign_type == "outbound",
                            Campaign.status.in_((ACTIVE, SUSPENDED))),
                       Campaign.id.in_(list(also))))
            .order_by(Campaign.id)
        )
        return list((await session.execute(query)).all())

    async def scenario_body(self, session: AsyncSession,
                            scenario_id: int) -> dict[str, Any] | None:
        return await scenarios_repository.body(session, scenario_id)

    async def lines_in_use(self, session: AsyncSession, campaign_id: int) -> int:
        return await session.scalar(
            select(func.count()).select_from(Abonent)
            .where(Abonent.campaign_id == campaign_id, Abonent.state == CALLING)) or 0

    async def set_status(self, session: AsyncSession, campaign_id: int, *, status: str,
                         reason: str | None, only_if: str) -> bool:
        result = await session.execute(
            update(Campaign).where(Campaign.id == campaign_id, Campaign.status == only_if)
            .values(status=status, suspended_reason=reason, updated_at=func.now()))
        return bool(rowcount(result))

    async def cancel_pending_of_stopped(self, session: AsyncSession) -> int:
        """Abonents still waiting on Stopped campaigns are cancelled (one index probe each)."""
        waiting = select(ABONENTS.c.id).where(ABONENTS.c.campaign_id == Campaign.id,
                                              ABONENTS.c.state == PENDING).exists()
        ids = list(await session.scalars(
            select(Campaign.id).where(Campaign.status == STOPPED, waiting)))
        if not ids:
            return 0
        result = await session.execute(
            ABONENTS.update().where(ABONENTS.c.campaign_id.in_(ids), ABONENTS.c.state == PENDING)
            .values(state=CANCELLED, next_attempt_at=None))
        return rowcount(result) or 0

    async def lock_campaign(self, session: AsyncSession, campaign_id: int) -> bool:
        """Serialise claims on one campaign (so its line limit holds across workers)."""
        if is_postgresql(session):
            locked = await session.scalar(
                select(Campaign.id).where(Campaign.id == campaign_id, Campaign.status == ACTIVE)
                .with_for_update(skip_locked=True))
            return locked is not None
        result = await session.execute(  # a write first: SQLite's lock, taken before reading
            update(Campaign).where(Campaign.id == campaign_id, Campaign.status == ACTIVE)
            .values(status=Campaign.status))
        return bool(rowcount(result))

    async def due(self, session: AsyncSession, campaign_id: int, *, now: datetime,
                  limit: int) -> list[Due]:
        query = (
            select(Abonent.id, Abonent.phone, Abonent.timezone, Abonent.attempts_made,
                   Abonent.first_call_id, Abonent.variables)
            .where(Abonent.campaign_id == campaign_id, Abonent.state == PENDING,
                   or_(Abonent.next_attempt_at.is_(None), Abonent.next_attempt_at <= now))
            .order_by(Abonent.next_attempt_at, Abonent.id)
            .limit(limit)
        )
        if is_postgresql(session):
            query = query.with_for_update(skip_locked=True)
        return [Due(*row) for row in (await session.execute(query)).all()]

    async def defer(self, session: AsyncSession, rows: Iterable[tuple[int, datetime | None]],
                    ) -> None:
        """Move abonents outside their window to its next opening (no attempt is used)."""
        for abonent_id, when in rows:
            values: dict[str, Any] = {"next_attempt_at": when}
            if when is None:  # past the campaign's stop date: nothing more will happen
                values["state"] = CANCELLED
            await session.execute(ABONENTS.update().where(ABONENTS.c.id == abonent_id)
                                  .values(values))

    async def start(self, session: AsyncSession, started: Sequence[Started], *, owner: str,
                    lease_until: datetime) -> None:
        """Mark claimed abonents `calling` under our lease and write their history rows."""
        if not started:
            return
        await session.execute(
            ABONENTS.update().where(ABONENTS.c.id == bindparam("b_id")).values(
                state=CALLING, attempts_made=bindparam("b_attempt"), lease_owner=owner,
                lease_expires_at=lease_until, first_call_id=None,
                updated_at=bindparam("b_now")),
            [{"b_id": s.abonent_id, "b_attempt": s.attempt, "b_now": s.started_at}
             for s in started])
        await session.execute(CALLS.insert(), [
            {"call_id": s.call_id, "customer_id": s.customer_id,
             "campaign_id": s.campaign_id, "abonent_id": s.abonent_id,
             "attempt": s.attempt, "call_type": s.call_type, "cg_pn": s.caller,
             "cd_pn": s.callee, "started_at": s.started_at, "state": DIALING,
             "created_at": s.started_at, "hold": s.hold}
            for s in started])

    async def insert_call(self, session: AsyncSession, item: Started) -> None:
        """One history row for a call not claimed from a campaign's list (an inbound call)."""
        await calls_repository.insert_call(
            session, call_id=item.call_id, customer_id=item.customer_id,
            campaign_id=item.campaign_id, abonent_id=None, attempt=item.attempt,
            call_type=item.call_type, cg_pn=item.caller, cd_pn=item.callee,
            started_at=item.started_at, state=DIALING, created_at=item.started_at)

    async def renew(self, session: AsyncSession, *, owner: str, until: datetime) -> int:
        """Extend our leases; rows are locked in id order, like every other multi-row write,
        so a renewal and a batch of results never deadlock on PostgreSQL."""
        mine = (select(ABONENTS.c.id)
                .where(ABONENTS.c.lease_owner == owner, ABONENTS.c.state == CALLING)
                .order_by(ABONENTS.c.id))
        if is_postgresql(session):
            mine = mine.with_for_update()
        result = await session.execute(
            ABONENTS.update().where(ABONENTS.c.id.in_(mine.scalar_subquery()))
            .values(lease_expires_at=until))
        return rowcount(result) or 0

    async def finish(self, session: AsyncSession, items: Sequence[Finished], *,
                     owner: str | None) -> int:
        """Write ended attempts; an abonent only moves if its lease is still `owner`'s.
        Returns how many abonents moved."""
        if not items:
            return 0
        items = sorted(items, key=lambda i: (i.abonent_id or 0, i.call_id))  # lock order
        async with counting(session, [i.call_id for i in items]):  # the dashboard's counters
            await session.execute(
                CALLS.update().where(CALLS.c.call_id == bindparam("b_call_id")).values(
                    state=ENDED, status=bindparam("b_status"), answered=bindparam("b_answered"),
                    duration=bindparam("b_duration"), cost=bindparam("b_cost"),
                    trace=bindparam("b_trace"), variables=bindparam("b_variables"),
                    error=bindparam("b_error"), ended_at=bindparam("b_ended_at")),
                [{"b_call_id": i.call_id, "b_status": i.status, "b_answered": i.answered,
                  "b_duration": i.duration, "b_cost": i.cost, "b_trace": i.trace,
                  "b_variables": i.variables, "b_error": i.error, "b_ended_at": i.ended_at}
                 for i in items])
        moving = [i for i in items if i.abonent_id is not None and i.abonent_state is not None]
        if not moving:
            return 0
        conditions = [ABONENTS.c.id == bindparam("b_id"), ABONENTS.c.state == CALLING,
                      ABONENTS.c.attempts_made == bindparam("b_attempt")]
        if owner is not None:
            conditions.append(ABONENTS.c.lease_owner == owner)
        result = await session.execute(
            ABONENTS.update().where(*conditions).values(
                state=bindparam("b_state"), next_attempt_at=bindparam("b_next"),
                last_status=bindparam("b_status"), lease_owner=None, lease_expires_at=None,
                updated_at=bindparam("b_ended_at")),
            [{"b_id": i.abonent_id, "b_attempt": i.attempt, "b_state": i.abonent_state,
              "b_next": i.next_attempt_at, "b_status": i.status, "b_ended_at": i.ended_at}
             for i in moving])
        count: int | None = rowcount(result)  # None or -1 where a driver does not count
        return count if count is not None and count >= 0 else len(moving)

    async def stalled(self, session: AsyncSession, *, now: datetime, owner: str | None,
                      limit: int = 500) -> list[Any]:
        """`calling` abonents whose lease ran out (or that our own earlier life held)."""
        expired = Abonent.lease_expires_at < now
        condition = or_(expired, Abonent.lease_owner == owner) if owner else expired
        query = (
            select(Abonent.id, Abonent.campaign_id, Abonent.attempts_made, Abonent.timezone)
            .where(Abonent.state == CALLING, condition).limit(limit)
        )
        if is_postgresql(session):
            query = query.with_for_update(skip_locked=True)
        return list((await session.execute(query)).all())

    async def dead_call(self, session: AsyncSession, *, abonent_id: int, attempt: int,
                        now: datetime, error: str) -> Any:
        """Close the history row of an attempt whose worker died; returns its call id."""
        call_id = await session.scalar(select(Call.call_id).where(
            and_(Call.abonent_id == abonent_id, Call.attempt == attempt)))
        if call_id is None:
            return None
        async with counting(session, [call_id]):
            await session.execute(
                update(Call).where(Call.call_id == call_id, Call.state != ENDED)
                .values(state=ENDED, status=503, ended_at=now, error=error))
        return call_id

    async def requeue(self, session: AsyncSession, abonent_id: int, *, state: str,
                      next_attempt_at: datetime | None, status: int) -> None:
        await session.execute(
            update(Abonent).where(Abonent.id == abonent_id, Abonent.state == CALLING).values(
                state=state, next_attempt_at=next_attempt_at, last_status=status,
                lease_owner=None, lease_expires_at=None))

    async def by_entry_point(self, session: AsyncSession, entry_point: str) -> Campaign | None:
        return await campaigns_repository.by_entry_point(session, entry_point)

    async def abonent_for_update(self, session: AsyncSession, campaign_id: int,
                                 phone: str) -> Abonent | None:
        query = select(Abonent).where(Abonent.campaign_id == campaign_id, Abonent.phone == phone)
        if is_postgresql(session):
            query = query.with_for_update()
        return await session.scalar(query)

    async def queue_http_call(self, session: AsyncSession, *, campaign_id: int, phone: str,
                              call_id: str, variables: dict[str, Any], timezone: str | None,
                              now: datetime, existing_id: int | None) -> None:
        """A pending abonent due now whose next attempt takes the pre-assigned `call_id`."""
        values = {"state": PENDING, "first_call_id": call_id, "variables": variables,
                  "next_attempt_at": now, "timezone": timezone, "updated_at": now}
        async with session.begin_nested():
            if existing_id is None:
                await session.execute(ABONENTS.insert().values(
                    campaign_id=campaign_id, phone=phone, attempts_made=0, created_at=now,
                    **values))
            else:
                await session.execute(ABONENTS.update().where(ABONENTS.c.id == existing_id)
                                      .values(**values))

    async def inbound_campaign(self, session: AsyncSession, digits: str) -> Any:
        """The active inbound campaign on our number `digits` (E.164 without "+"), if any."""
        query = (
            select(Campaign, Customer.credit_limit, Customer.tariff,
                   Scenario.updated_at.label("scenario_updated"))
            .join(PhoneNumber, PhoneNumber.id == Campaign.caller_number_id)
            .join(Customer, Customer.id == Campaign.customer_id)
            .outerjoin(Scenario, Scenario.id == Campaign.scenario_id)
            .where(PhoneNumber.number == digits, PhoneNumber.customer_id == Campaign.customer_id,
                   Campaign.campaign_type == "inbound", Campaign.deleted_at.is_(None),
                   Campaign.status == ACTIVE)
            .order_by(Campaign.id.desc()).limit(1)
        )
        return (await session.execute(query)).first()


dialer_repository = DialerRepository()

