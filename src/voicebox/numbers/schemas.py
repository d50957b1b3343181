"""The spec's shapes for §6 (NUMBERS): filters, numbers, reservations, orders, prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr

from voicebox.models import NumberOrder


def _phone_text(value: Any) -> Any:
    """The spec types numbers as strings here, but clients send integers too."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


PhoneInput = Annotated[
    StrictStr,
    BeforeValidator(_phone_text),
    Field(
        max_length=32,
        description="A number: digits with the country code (74951234567), `+7…` or `8…`",
    ),
]


class OwnerFilter(BaseModel):
    owner_name: str
    owner_id: str
    description: str


class CategoryFilter(BaseModel):
    category_name: str
    category_id: str
    category: str
    monthly_fee: int | float = Field(description="The lowest monthly fee in the category")
    currency: str


class TypeFilter(BaseModel):
    type_name: str
    type_id: str


class RegionFilter(BaseModel):
    project_id: str
    region_id: str
    related_object_id: str = Field(description="The region's area codes, comma-separated")
    description: str
    region_name: str
    parent_region_id: str = Field(description="The federal district")
    region_code: str


class Filter(BaseModel):
    """One filter value: exactly one of the four keys is present."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1, "maxProperties": 1})

    owner: OwnerFilter | None = None
    category: CategoryFilter | None = None
    type: TypeFilter | None = None
    regionCode: RegionFilter | None = None


class AvailableNumber(BaseModel):
    type: str
    owner: str
    number: int
    state: str = Field(description="`free`, or `reserved` for the caller's own reservation")
    regionName: str
    regionCode: str
    category: str


class ReservationCreate(BaseModel):
    number: PhoneInput
    period: StrictInt | None = Field(
        default=None, description="Seconds the reservation holds (default 900)"
    )


class Reservation(BaseModel):
    reserved_uid: str
    reserved_until: str = Field(description="Extension: when the reservation expires (UTC)")


class OwnedNumber(BaseModel):
    id: int = Field(description="Extension: the `number_id` of §6.6/§6.7")
    type: str
    owner: str
    number: int
    regionName: str
    regionCode: str
    category: str
    description: str

    @classmethod
    def of(cls, phone: Any) -> OwnedNumber:
        return cls(id=phone.id, type=phone.type, owner=phone.owner, number=int(phone.number),
                   regionName=phone.region_name, regionCode=phone.region_code,
                   category=phone.category, description=phone.description)


class OrderCreate(BaseModel):
    orderId: int | None = Field(default=None, ge=1, le=2**53)
    orderName: str = Field(default="", max_length=255)
    orderDescription: str = Field(default="", max_length=1000)
    orderItemNumber: PhoneInput
    orderItemDescription: str = Field(default="", max_length=1000)
    orderOfferName: str = Field(default="", max_length=255)


class Order(BaseModel):
    id: int
    orderId: int
    orderName: str
    orderDescription: str
    orderItemNumber: str
    orderItemDescription: str
    orderOfferName: str
    orderStatus: str


class Price(BaseModel):
    monthly_fee: int | float
    currency: str


def fee_json(value: Decimal) -> int | float:
    """The spec types fees as integers: whole amounts stay integers, kopecks become a decimal."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01")))


def order_out(order: NumberOrder) -> Order:
    return Order(
        id=order.id,
        orderId=order.order_id or order.id,
        orderName=order.order_name,
        orderDescription=order.order_description,
        orderItemNumber=order.order_item_number,
        orderItemDescription=order.order_item_description,
        orderOfferName=order.order_offer_name,
        orderStatus=order.status,
    )
