"""What the inventory is made of: number types, categories with their fees, Russian regions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

OWNER_MTT = "MTT"
OWNERS = {OWNER_MTT: "ПАО «Межрегиональный ТранзитТелеком»"}

TYPES = {
    "ABC": "Географический городской номер",
    "DEF": "Мобильный номер",
    "8800": "Бесплатный для звонящего номер 8-800",
}

# Monthly fee (RUB) = base fee of the type × the category's factor.
CATEGORIES = {
    "REGULAR": ("Обычный", 1),
    "BRONZE": ("Бронзовый", 3),
    "SILVER": ("Серебряный", 10),
    "GOLD": ("Золотой", 30),
}
TYPE_BASE_FEE = {"ABC": Decimal(500), "DEF": Decimal(300), "8800": Decimal(1500)}


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # ISO 3166-2:RU subdivision code, as the spec's `regionCode` (MOW, SPE …)
    region_id: str  # the federal subject's number (77 = Moscow)
    name: str
    district: str  # federal district, our `parent_region_id`
    abc: tuple[str, ...]  # geographic area codes after the country code 7
    def_: tuple[str, ...] = ()  # mobile prefixes (9xx) we stock for the region


REGIONS = (
    Region("MOW", "77", "Москва", "CEN", ("495", "499"), ("916", "925", "926", "977")),
    Region("MOS", "50", "Московская область", "CEN", ("496", "498"), ("915",)),
    Region("SPE", "78", "Санкт-Петербург", "NW", ("812",), ("911", "921")),
    Region("LEN", "47", "Ленинградская область", "NW", ("813",)),
    Region("NVS", "54", "Новосибирская область", "SIB", ("383",), ("913",)),
    Region("SVE", "66", "Свердловская область", "URA", ("343",), ("912",)),
    Region("TA", "16", "Республика Татарстан", "VOL", ("843",), ("917",)),
    Region("NIZ", "52", "Нижегородская область", "VOL", ("831",), ("930",)),
    Region("SAM", "63", "Самарская область", "VOL", ("846",), ("927",)),
    Region("ROS", "61", "Ростовская область", "SOU", ("863",), ("928",)),
    Region("KDA", "23", "Краснодарский край", "SOU", ("861",), ("918",)),
    Region("CHE", "74", "Челябинская область", "URA", ("351",), ("922",)),
    Region("BA", "02", "Республика Башкортостан", "VOL", ("347",)),
    Region("PER", "59", "Пермский край", "VOL", ("342",)),
    Region("VGG", "34", "Волгоградская область", "SOU", ("844",)),
    Region("KYA", "24", "Красноярский край", "SIB", ("391",), ("923",)),
    Region("VOR", "36", "Воронежская область", "CEN", ("473",)),
    Region("OMS", "55", "Омская область", "SIB", ("3812",)),
    Region("KHA", "27", "Хабаровский край", "FE", ("4212",)),
    Region("PRI", "25", "Приморский край", "FE", ("423",), ("924",)),
    # Toll-free numbers belong to the whole country.
    Region("RU", "0", "Россия", "RU", ("800",)),
)
REGIONS_BY_CODE = {region.code: region for region in REGIONS}
DISTRICTS = {
    "CEN": "Центральный федеральный округ",
    "NW": "Северо-Западный федеральный округ",
    "SOU": "Южный федеральный округ",
    "VOL": "Приволжский федеральный округ",
    "URA": "Уральский федеральный округ",
    "SIB": "Сибирский федеральный округ",
    "FE": "Дальневосточный федеральный округ",
    "RU": "Российская Федерация",
}

_NUMBER = re.compile(r"^7[0-9]{10}$")


def number_type(number: str) -> str:
    """ABC, DEF or 8800 from a Russian number's digits."""
    if number.startswith("7800"):
        return "8800"
    if number.startswith("79"):
        return "DEF"
    return "ABC"


_BY_PREFIX = {code: region for region in REGIONS for code in (*region.abc, *region.def_)}
_PREFIX_LENGTHS = sorted({len(code) for code in _BY_PREFIX}, reverse=True)


def region_of(number: str) -> Region | None:
    """The region whose area code or mobile prefix starts the number (longest code wins)."""
    local = number[1:]
    for length in _PREFIX_LENGTHS:
        region = _BY_PREFIX.get(local[:length])
        if region is not None:
            return region
    return None


def category_of(number: str) -> str:
    """How memorable the last seven digits are: repeats and runs cost more."""
    tail = number[-7:]
    last4 = tail[-4:]
    if len(set(last4)) == 1 or tail[-6:] in ("000000", "111111") or tail[-5:] == "00000":
        return "GOLD"
    if last4[:2] == last4[2:] or (last4[0] == last4[1] and last4[2] == last4[3]):
        return "SILVER"
    if last4[-3:] == "000" or len(set(last4[-3:])) == 1 or last4 in "0123456789":
        return "SILVER"
    if last4[-2:] == "00" or last4[-2] == last4[-1] or tail[-3:] in "0123456789":
        return "BRONZE"
    return "REGULAR"


def monthly_fee(type_: str, category: str) -> Decimal:
    return TYPE_BASE_FEE.get(type_, TYPE_BASE_FEE["ABC"]) * CATEGORIES.get(category, ("", 1))[1]


def is_russian_number(number: str) -> bool:
    return bool(_NUMBER.match(number))
