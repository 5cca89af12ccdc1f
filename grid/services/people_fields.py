"""Pure checks of the fields of house units, owners and residents, shared by the API and the import.

Nothing here touches the database. Each check returns the normalized value or raises a
``DomainError`` whose code the caller's door renders (HTTP message, import row reason).

Choices made here (see docs/people.md):

* **Area** (专有部分面积) is exact: a ``Decimal`` with at most two decimals, above 0 and at most
  100 000 m², stored as integer hundredths. *Unknown* is ``None`` (stored as 0); an explicit 0 is
  refused, so "no area yet" can never be mistaken for a real value in the Civil Code arithmetic.
* **Gender** is ``male``/``female`` (or empty when unknown); the Chinese 男/女 are accepted.
* An ID number carries its holder's birth date and gender (GB 11643): when the caller leaves
  birth year or gender empty they are taken from it; when they contradict it, it is refused.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum

from backend import clock
from backend.errors import DomainError, ErrorCode, invalid
from grid.tables import AreaSource, CareTag, OwnerKind, Tenure

MAX_AREA = Decimal("100000")
MIN_BIRTH_YEAR = 1900
NAME_MAX = 100
RELATION_MAX = 16
BUILDING_MAX = 32
ENTRANCE_MAX = 16
ROOM_MAX = 16
ADDRESS_MAX = 200


class Keep(Enum):
    """The "leave this field as it is" marker of partial updates (``None`` means clear it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


class Gender(StrEnum):
    male = "male"
    female = "female"


#: Chinese names of the care tags, as staff write them in spreadsheets.
TAG_NAMES_ZH: dict[CareTag, str] = {
    CareTag.elderly_alone: "独居老人",
    CareTag.disabled: "残疾人",
    CareTag.low_income: "低保",
    CareTag.key_person: "重点人群",
    CareTag.veteran: "退役军人",
    CareTag.left_behind_child: "留守儿童",
    CareTag.pregnant: "孕产妇",
}
_TAG_LOOKUP: dict[str, CareTag] = {
    **{name: tag for tag, name in TAG_NAMES_ZH.items()},
    **{tag.value: tag for tag in CareTag},
    "低保户": CareTag.low_income,
}

GENDER_NAMES_ZH = {Gender.male: "男", Gender.female: "女"}
_GENDER_LOOKUP: dict[str, Gender] = {
    "男": Gender.male,
    "女": Gender.female,
    "male": Gender.male,
    "female": Gender.female,
    "m": Gender.male,
    "f": Gender.female,
}

TENURE_NAMES_ZH = {Tenure.owner_occupied: "自住", Tenure.rented: "租住", Tenure.other: "其他"}
_TENURE_LOOKUP: dict[str, Tenure] = {
    **{name: tenure for tenure, name in TENURE_NAMES_ZH.items()},
    **{tenure.value: tenure for tenure in Tenure},
    "出租": Tenure.rented,
}

AREA_SOURCE_NAMES_ZH = {
    AreaSource.registered: "登记",
    AreaSource.measured: "实测",
    AreaSource.contract: "合同",
}
_AREA_SOURCE_LOOKUP: dict[str, AreaSource] = {
    **{name: source for source, name in AREA_SOURCE_NAMES_ZH.items()},
    **{source.value: source for source in AreaSource},
}

OWNER_KIND_NAMES_ZH = {
    OwnerKind.person: "个人",
    OwnerKind.developer: "建设单位",
    OwnerKind.organization: "单位",
}


def _area_error(value: object, rule: str) -> DomainError:
    return DomainError(ErrorCode.AREA_INVALID, value=str(value), rule=rule)


def area_centi(value: Decimal | str | int | None) -> int | None:
    """Exclusive area in hundredths of m², or ``None`` when unknown (empty)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | float):
        # floats cannot say "89.10" exactly; callers pass text or Decimal
        raise _area_error(value, "not_a_number")
    try:
        area = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise _area_error(value, "not_a_number") from None
    if not area.is_finite():
        raise _area_error(value, "not_a_number")
    if area < 0:
        raise _area_error(value, "negative")
    if area == 0:
        raise _area_error(value, "zero")
    exponent = area.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -2 and area != area.quantize(Decimal("0.01")):
        raise _area_error(value, "too_many_decimals")
    if area > MAX_AREA:
        raise _area_error(value, "too_large")
    return int(area * 100)


def area_decimal(centi: int) -> Decimal | None:
    """The stored hundredths as m² with two decimals; 0 means unknown."""
    if not centi:
        return None
    return (Decimal(centi) / 100).quantize(Decimal("0.01"))


def clean_text(value: str, field: str, max_length: int, *, required: bool = False) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise invalid(field, "required")
    if len(text) > max_length:
        raise invalid(field, f"at most {max_length} characters")
    return text


def check_birth_year(year: int | None) -> int | None:
    if year is None:
        return None
    latest = clock.now().year
    if not MIN_BIRTH_YEAR <= year <= latest:
        raise invalid("birth_year", f"{MIN_BIRTH_YEAR}–{latest}")
    return year


def parse_gender(raw: str) -> Gender | None:
    """男/女/male/female/M/F (any case), empty for unknown; ``None`` also when unreadable."""
    text = raw.strip().lower()
    return _GENDER_LOOKUP.get(text) if text else None


def parse_tag(raw: str) -> CareTag | None:
    return _TAG_LOOKUP.get(raw.strip())


def parse_tenure(raw: str) -> Tenure | None:
    return _TENURE_LOOKUP.get(raw.strip())


def parse_area_source(raw: str) -> AreaSource | None:
    return _AREA_SOURCE_LOOKUP.get(raw.strip())


def split_tags(raw: str) -> list[str]:
    """Tags in one cell, separated by ``;``, ``；``, ``、``, ``,`` or ``，``."""
    return [part.strip() for part in re.split(r"[;；、,，]", raw) if part.strip()]


def id_birth_year(id_number: str) -> int:
    """The birth year written in a normalized 18-digit ID number."""
    return int(id_number[6:10])


def id_gender(id_number: str) -> Gender:
    """The 17th digit is odd for men and even for women (GB 11643)."""
    return Gender.male if int(id_number[16]) % 2 else Gender.female


def reconcile_with_id(
    id_number: str | None, gender: Gender | None, birth_year: int | None
) -> tuple[Gender | None, int | None]:
    """Fill gender and birth year from the ID number, refusing values that contradict it."""
    if id_number is None:
        return gender, birth_year
    from_id_year, from_id_gender = id_birth_year(id_number), id_gender(id_number)
    if birth_year is not None and birth_year != from_id_year:
        raise invalid("birth_year", "does not match the ID number")
    if gender is not None and gender is not from_id_gender:
        raise invalid("gender", "does not match the ID number")
    return from_id_gender, from_id_year


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def credit_check_char(first17: str) -> str:
    """Check character of a unified social credit code (GB 32100-2015)."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> str:
    """18-character unified social credit code (统一社会信用代码) with a valid check character."""
    value = raw.strip().upper()
    if not _CREDIT.match(value) or credit_check_char(value[:17]) != value[17]:
        raise DomainError(ErrorCode.CREDIT_CODE_INVALID)
    return value
