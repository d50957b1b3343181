"""Number rules: search, reservation, purchase, release, prices, the inventory (no SQL, no HTTP)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.billing.service import billing_service
from voicebox.campaigns.schemas import CampaignSummary
from voicebox.errors import Conflict, InvalidInput, NotFound
from voicebox.ids import ascii_int
from voicebox.models import Customer, NumberOrder, PhoneNumber
from voicebox.numbers import catalog
from voicebox.numbers.inventory import AddResult, enum_value, like_pattern, normalize_number
from voicebox.numbers.repository import SearchFilter, number_repository
from voicebox.numbers.schemas import (
    AvailableNumber,
    OrderCreate,
    OwnedNumber,
    Price,
    Reservation,
    fee_json,
)
from voicebox.store.db import utcnow

DEFAULT_RESERVATION_SECONDS = 900
DEFAULT_MAX_RESERVATIONS = 20
BILLING_PERIOD = timedelta(days=30)
# Row ids stay below this; anything longer in a `number_id` is the phone number itself.


class NumberService:
    async def filters(self, session: AsyncSession) -> list[dict[str, Any]]:
        """§6.1: one element per filter value, each with exactly one key."""
        repo = number_repository
        items: list[dict[str, Any]] = []
        for (owner,) in await repo.distinct(session, PhoneNumber.owner):
            description = catalog.OWNERS.get(owner, owner)
            items.append(
                {"owner": {"owner_name": owner, "owner_id": owner, "description": description}}
            )
        order = list(catalog.CATEGORIES)
        cheapest = await repo.cheapest_by_category(session)
        cheapest.sort(key=lambda row: (order.index(row[0]) if row[0] in order else 99, row[0]))
        for category, fee, currency in cheapest:
            title = catalog.CATEGORIES.get(category, (category, 1))[0]
            items.append(
                {
                    "category": {
                        "category_name": title,
                        "category_id": category,
                        "category": category,
                        "monthly_fee": fee_json(Decimal(fee)),
                        "currency": currency,
                    }
                }
            )
        for (type_,) in await repo.distinct(session, PhoneNumber.type):
            items.append({"type": {"type_name": catalog.TYPES.get(type_, type_), "type_id": type_}})
        for code, name in await repo.distinct(
            session, PhoneNumber.region_code, PhoneNumber.region_name
        ):
            region = catalog.REGIONS_BY_CODE.get(code)
            district = region.district if region else ""
            items.append(
                {
                    "regionCode": {
                        "project_id": "voicebox",
                        "region_id": region.region_id if region else code,
                        "related_object_id": ",".join(region.abc) if region else "",
                        "description": catalog.DISTRICTS.get(district, ""),
                        "region_name": name,
                        "parent_region_id": district,
                        "region_code": code,
                    }
                }
            )
        return items

    async def search(
        self,
        session: AsyncSession,
        *,
        customer_id: int,
        category: str | None = None,
        region_code: str | None = None,
        type_: str | None = None,
        owner: str | None = None,
        mask: str | None = None,
        offset: int = 0,
        limit: int = 50,
        now: datetime | None = None,
    ) -> tuple[list[AvailableNumber], int]:
        """§6.2: numbers the customer may buy (others' live reservations are hidden)."""
        now = now or utcnow()
        regions = [
            code for (code,) in await number_repository.distinct(session, PhoneNumber.region_code)
        ]
        owners = [name for (name,) in await number_repository.distinct(session, PhoneNumber.owner)]
        where = SearchFilter(
            category=enum_value(category, list(catalog.CATEGORIES), "category"),
            region_code=enum_value(region_code, regions, "regionCode"),
            type=enum_value(type_, list(catalog.TYPES), "type"),
            owner=enum_value(owner, owners, "owner"),
            mask=like_pattern(mask) if mask else None,
        )
        rows, total = await number_repository.search(
            session, customer_id=customer_id, now=now, where=where, offset=offset, limit=limit
        )
        return [self._available(row, customer_id, now) for row in rows], total

    @staticmethod
    def _available(row: PhoneNumber, customer_id: int, now: datetime) -> AvailableNumber:
        mine = row.reserved_by == customer_id and row.reserved_until and row.reserved_until > now
        return AvailableNumber(
            type=row.type,
            owner=row.owner,
            number=int(row.number),
            state="reserved" if mine else "free",
            regionName=row.region_name,
            regionCode=row.region_code,
            category=row.category,
        )

    async def reserve(
        self,
        session: AsyncSession,
        *,
        customer_id: int,
        number: str | int,
        period: int | None,
        max_period: int,
        max_held: int = DEFAULT_MAX_RESERVATIONS,
        now: datetime | None = None,
    ) -> Reservation:
        """§6.3: hold a number for `period` seconds; a taken or held number is 409.

        Against squatting, only a customer who could buy the number now may hold it, and at
        most `max_held` numbers at once (reserving one it holds again does not count twice).
        """
        now = now or utcnow()
        seconds = DEFAULT_RESERVATION_SECONDS if period is None else period
        if not 1 <= seconds <= max_period:
            raise InvalidInput(f"period must be 1-{max_period} seconds", name="period")
        phone = await self._by_number(session, number, field="number")
        self._ensure_free(phone, customer_id, now)
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id} not found", name="customer_id")
        await self._ensure_affordable(session, customer, phone)
        held = await number_repository.reservations_held(
            session, customer_id=customer_id, now=now, besides=phone.id
        )
        if held >= max_held:
            raise Conflict(
                f"at most {max_held} numbers may be reserved at once; "
                "buy one or let a reservation expire",
                name="reservations",
            )
        uid = str(uuid.uuid4())
        until = now + timedelta(seconds=seconds)
        if not await number_repository.reserve(
            session, number_id=phone.id, customer_id=customer_id, uid=uid, until=until, now=now
        ):
            raise Conflict(f"number {phone.number} was just taken", name="number")
        return Reservation(
            reserved_uid=uid,
            reserved_until=until.isoformat(timespec="seconds").replace("+00:00", "Z"),
        )

    async def purchase(
        self,
        session: AsyncSession,
        *,
        customer: Customer,
        order: OrderCreate,
        now: datetime | None = None,
    ) -> NumberOrder:
        """§6.5: the number becomes the customer's and the first month's fee is charged."""
        now = now or utcnow()
        phone = await self._by_number(session, order.orderItemNumber, field="orderItemNumber")
        self._ensure_free(phone, customer.id, now, field="orderItemNumber")
        await self._ensure_affordable(session, customer, phone)
        if not await number_repository.acquire(
            session,
            number_id=phone.id,
            customer_id=customer.id,
            now=now,
            paid_until=now + BILLING_PERIOD,
        ):
            raise Conflict(f"number {phone.number} was just taken", name="orderItemNumber")
        record = await number_repository.add_order(
            session,
            NumberOrder(
                customer_id=customer.id,
                phone_number_id=phone.id,
                order_id=order.orderId,
                order_name=order.orderName,
                order_description=order.orderDescription,
                order_item_number=phone.number,
                order_item_description=order.orderItemDescription,
                order_offer_name=order.orderOfferName,
                status="completed",
                monthly_fee=phone.monthly_fee,
                currency=phone.currency,
                created_at=now,
            ),
        )
        if phone.monthly_fee > 0:
            await billing_service.charge(
                session,
                customer_id=customer.id,
                amount=phone.monthly_fee,
                kind="number_fee",
                description=f"number {phone.number}: monthly fee",
                reference=f"number_order:{record.id}",
            )
        return record

    async def owned(
        self, session: AsyncSession, *, customer_id: int, sb_url: str
    ) -> list[OwnedNumber]:
        """§6.4: the customer's numbers with the campaigns that use them (`sb_url`: /v1/sb)."""
        rows = await number_repository.owned(session, customer_id)
        campaigns = await number_repository.campaigns_using(session, [row.id for row in rows])
        return [
            OwnedNumber(
                id=row.id,
                type=row.type,
                owner=row.owner,
                number=int(row.number),
                regionName=row.region_name,
                regionCode=row.region_code,
                category=row.category,
                description=row.description,
                campaigns=[
                    CampaignSummary.of(c, number=row.number, sb_url=sb_url)
                    for c in campaigns.get(row.id, [])
                ],
            )
            for row in rows
        ]

    async def get_owned(
        self, session: AsyncSession, customer_id: int, number_id_or_number: int | str
    ) -> PhoneNumber:
        """The customer's number by row id or by the number itself; 404 for anything else."""
        phone = await self._resolve(session, number_id_or_number)
        if phone is None or phone.customer_id != customer_id:
            raise NotFound(f"number {number_id_or_number} not found", name="number_id")
        return phone

    async def in_use(self, session: AsyncSession, number_id: int) -> bool:
        """Whether a campaign uses the number (then it cannot be released)."""
        return await number_repository.in_use(session, number_id)

    async def release(
        self, session: AsyncSession, *, customer_id: int, number_id_or_number: int | str
    ) -> None:
        """§6.6: give the number back to the pool; 409 while a campaign uses it."""
        phone = await self.get_owned(session, customer_id, number_id_or_number)
        if await self.in_use(session, phone.id):
            raise Conflict(
                f"number {phone.number} is used by a campaign; delete the campaign first",
                name="number_id",
            )
        if not await number_repository.release(
            session, number_id=phone.id, customer_id=customer_id
        ):
            raise NotFound(f"number {number_id_or_number} not found", name="number_id")

    async def price(
        self,
        session: AsyncSession,
        *,
        customer_id: int,
        number_id_or_number: int | str,
        now: datetime | None = None,
    ) -> Price:
        """§6.7: the monthly fee of the customer's number, or of one they may buy."""
        now = now or utcnow()
        phone = await self._resolve(session, number_id_or_number)
        if phone is None or not (
            phone.customer_id == customer_id or self._free_for(phone, customer_id, now)
        ):
            raise NotFound(f"number {number_id_or_number} not found", name="number_id")
        return Price(monthly_fee=fee_json(phone.monthly_fee), currency=phone.currency)

    async def add_to_inventory(
        self, session: AsyncSession, rows: Sequence[dict[str, Any]]
    ) -> AddResult:
        """Insert rows made by `inventory_row`; numbers already stocked are skipped."""
        unique = list({row["number"]: row for row in rows}.values())
        existing = await number_repository.existing(session, [row["number"] for row in unique])
        fresh = [row for row in unique if row["number"] not in existing]
        await number_repository.insert_many(session, fresh)
        return AddResult(added=len(fresh), skipped=len(rows) - len(fresh))

    async def _resolve(self, session: AsyncSession, key: int | str) -> PhoneNumber | None:
        text = str(key).strip()
        row_id = ascii_int(text, low=1)
        if row_id is not None:
            return await number_repository.by_id(session, row_id)
        try:
            digits = normalize_number(text, field="number_id")
        except InvalidInput:
            return None
        return await number_repository.by_number(session, digits)

    async def _by_number(self, session: AsyncSession, raw: str | int, *, field: str) -> PhoneNumber:
        digits = normalize_number(raw, field=field)
        phone = await number_repository.by_number(session, digits)
        if phone is None:
            raise NotFound(f"number {digits} is not in the inventory", name=field)
        return phone

    @staticmethod
    async def _ensure_affordable(
        session: AsyncSession, customer: Customer, phone: PhoneNumber
    ) -> None:
        """409 unless the customer could pay the number's fee now; holds their money lock."""
        if phone.currency != customer.currency:
            raise Conflict(
                f"number {phone.number} is priced in {phone.currency}, "
                f"the account is in {customer.currency}",
                name="currency",
            )
        await billing_service.hold(session, customer.id)
        await billing_service.ensure_affordable(
            session, customer=customer, amount=phone.monthly_fee, what="the monthly fee",
            currency=phone.currency,
        )

    @staticmethod
    def _free_for(phone: PhoneNumber, customer_id: int, now: datetime) -> bool:
        held = phone.reserved_until is not None and phone.reserved_until > now
        return phone.customer_id is None and (not held or phone.reserved_by == customer_id)

    def _ensure_free(
        self, phone: PhoneNumber, customer_id: int, now: datetime, *, field: str = "number"
    ) -> None:
        if phone.customer_id == customer_id:
            raise Conflict(f"number {phone.number} is already yours", name=field)
        if phone.customer_id is not None:
            raise Conflict(f"number {phone.number} is taken", name=field)
        if not self._free_for(phone, customer_id, now):
            raise Conflict(f"number {phone.number} is reserved by another customer", name=field)


number_service = NumberService()
