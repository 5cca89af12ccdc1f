"""The rows of a residents CSV (``gridgov import-residents``): columns, and checking one row.

Nothing here touches the database: a row is read into a :class:`ParsedRow` with its phone and
ID numbers already validated and sealed (:mod:`backend.pii`), or refused with a
:class:`RowProblem` that names the column and says why in Chinese first, then English. The
columns and their meaning are documented in ``docs/import.md`` (a test keeps both equal).

Headers may be given in Chinese or English (a register kept in a spreadsheet usually has the
Chinese ones); each column has exactly one of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.errors import DomainError, ErrorCode
from backend.i18n import EN, ZH, translate
from backend.pii import SealedPii, normalize_id_number, seal_id_number, seal_phone
from grid.services.owners import OwnerSpec, SealedOwner, seal_owner
from grid.services.people_fields import (
    ADDRESS_MAX,
    BUILDING_MAX,
    ENTRANCE_MAX,
    NAME_MAX,
    RELATION_MAX,
    ROOM_MAX,
    Gender,
    area_centi,
    check_birth_year,
    clean_text,
    parse_area_source,
    parse_gender,
    parse_tag,
    parse_tenure,
    reconcile_with_id,
    split_tags,
)
from grid.tables import AreaSource, CareTag, OwnerKind, Tenure


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    required: bool
    meaning: str


#: Every column the import reads, in the order of the documentation and the example file.
COLUMNS: tuple[Column, ...] = (
    Column("micro_grid_code", "微网格编码", True, "18-digit code of the micro-grid (building) the house unit is in"),
    Column("building", "楼栋", True, "building (栋), e.g. `3`"),
    Column("entrance", "单元", False, "entrance (单元), e.g. `2`; empty when the building has one"),
    Column("room", "房号", True, "room, e.g. `501`"),
    Column("address", "地址", False, "postal address of the house unit"),
    Column("exclusive_area", "专有面积", False, "exclusive area in m², at most 2 decimals (`89.50`); empty = unknown"),
    Column("area_source", "面积来源", False, "`登记` registered (default), `实测` measured or `合同` contract"),
    Column("owner_name", "业主姓名", False, "an owner of the house unit (one per row; repeat the house on more rows for co-owners)"),
    Column("owner_kind", "业主类型", False, "`个人` person (default), `建设单位` developer (unsold units) or `单位` organization"),
    Column("owner_id_number", "业主证件号", False, "the owner's ID number, or a unified social credit code for a developer/organization"),
    Column("owner_phone", "业主电话", False, "the owner's mobile phone"),
    Column("household", "户号", False, "which household of the house unit the resident lives in (`1`, `2`, …; default `1`)"),
    Column("tenure", "居住类型", False, "`自住` owner-occupied (default), `租住` rented or `其他` other"),
    Column("name", "姓名", False, "the resident's name; a row without one only describes the house unit and its owner"),
    Column("gender", "性别", False, "`男` / `女`; taken from the ID number when empty"),
    Column("birth_year", "出生年份", False, "e.g. `1956`; taken from the ID number when empty"),
    Column("relation", "与户主关系", False, "`户主`, `配偶`, `子女`, `父母`, …"),
    Column("phone", "手机号", False, "the resident's mobile phone"),
    Column("id_number", "身份证号", False, "the resident's 18-digit ID number (identifies the person across imports)"),
    Column("tags", "关怀标签", False, "care tags separated by `;` or `、`: 独居老人, 残疾人, 低保, 重点人群, 退役军人, 留守儿童, 孕产妇"),
    Column("is_owner", "是否业主", False, "`是` if this resident is an owner of the house unit"),
)  # fmt: skip
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)
RESIDENT_KEYS = ("gender", "birth_year", "relation", "phone", "id_number", "tags", "is_owner")
_HEADER = {c.key: c.key for c in COLUMNS} | {c.zh: c.key for c in COLUMNS}
_OWNER_KINDS = {
    "个人": OwnerKind.person,
    "建设单位": OwnerKind.developer,
    "开发商": OwnerKind.developer,
    "单位": OwnerKind.organization,
    **{kind.value: kind for kind in OwnerKind},
}
_YES = {"是", "y", "yes", "true", "1", "√"}
_NO = {"否", "n", "no", "false", "0", ""}
HOUSEHOLD_MAX = 16


class RowProblem(Exception):
    """Why a row (or the header) cannot be imported, in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh)
        self.zh = zh
        self.en = en

    @classmethod
    def of(cls, column: str, exc: DomainError) -> RowProblem:
        """A service's refusal, prefixed with the column it came from."""
        col = BY_KEY[column]
        return cls(
            f"{col.zh}：{translate(exc.code, ZH, exc.data)}",
            f"{col.key}: {translate(exc.code, EN, exc.data)}",
        )

    def text(self) -> str:
        return f"{self.zh} ({self.en})"


def header_keys(header: list[str]) -> list[str | None]:
    """Each header cell's column key (``None`` for a column the import does not read)."""
    keys = [_HEADER.get(cell.strip().lstrip("\ufeff")) for cell in header]
    seen: set[str] = set()
    for cell, key in zip(header, keys, strict=True):
        if key is not None and key in seen:
            col = BY_KEY[key]
            raise RowProblem(
                f"列“{col.zh}”（{col.key}）出现了两次：{cell.strip()}",
                f"column {col.key} ({col.zh}) appears twice",
            )
        if key is not None:
            seen.add(key)
    missing = [BY_KEY[k] for k in REQUIRED if k not in seen]
    if missing:
        raise RowProblem(
            "缺少必需的列：" + "、".join(f"{c.zh}（{c.key}）" for c in missing),
            "missing required columns: " + ", ".join(c.key for c in missing),
        )
    return keys


@dataclass(frozen=True)
class HousePart:
    micro_code: str
    building: str
    entrance: str
    room: str
    address: str
    area_centi: int | None
    area_source: AreaSource | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.micro_code, self.building, self.entrance, self.room)


@dataclass(frozen=True)
class ResidentPart:
    name: str
    gender: Gender | None
    birth_year: int | None
    relation: str
    phone: SealedPii
    id_number: SealedPii
    tags: tuple[CareTag, ...] | None  # None: the cell was empty, stored tags stay
    is_owner: bool
    owner: SealedOwner | None  # the resident as an owner of the house, when is_owner


@dataclass(frozen=True)
class ParsedRow:
    line: int
    house: HousePart
    owner: SealedOwner | None
    household: str
    tenure: Tenure | None
    resident: ResidentPart | None
    cells: dict[str, str] = field(repr=False, default_factory=dict)


def _cell(cells: dict[str, str], key: str) -> str:
    return cells.get(key, "").strip()


def _text(cells: dict[str, str], key: str, max_length: int, required: bool = False) -> str:
    try:
        return clean_text(cells.get(key, ""), key, max_length, required=required)
    except DomainError as exc:
        col = BY_KEY[key]
        if not _cell(cells, key):
            raise RowProblem(f"{col.zh}不能为空", f"{key} is required") from None
        raise RowProblem.of(key, exc) from None


def _choice(cells: dict[str, str], key: str, value: object, allowed: str) -> None:
    if value is None and _cell(cells, key):
        col = BY_KEY[key]
        raise RowProblem(
            f"{col.zh}“{_cell(cells, key)}”无效，应为 {allowed} 之一",
            f"{key} {_cell(cells, key)!r} is not one of {allowed}",
        )


def _house(cells: dict[str, str]) -> HousePart:
    micro = _text(cells, "micro_grid_code", 18, required=True)
    try:
        centi = area_centi(_cell(cells, "exclusive_area"))
    except DomainError as exc:
        raise RowProblem.of("exclusive_area", exc) from None
    source = parse_area_source(_cell(cells, "area_source"))
    _choice(cells, "area_source", source, "登记/实测/合同")
    return HousePart(
        micro_code=micro,
        building=_text(cells, "building", BUILDING_MAX, required=True),
        entrance=_text(cells, "entrance", ENTRANCE_MAX),
        room=_text(cells, "room", ROOM_MAX, required=True),
        address=_text(cells, "address", ADDRESS_MAX),
        area_centi=centi,
        area_source=source,
    )


def _sealed_owner(prefix: str, spec: OwnerSpec) -> SealedOwner:
    """Seal an owner; a refusal names the column it came from (``owner_…`` or the resident's)."""
    try:
        return seal_owner(spec)
    except DomainError as exc:
        if exc.code is ErrorCode.PHONE_INVALID:
            key = "phone"
        elif exc.code is ErrorCode.VALIDATION and exc.data.get("field") == "name":
            key = "name"
        else:
            key = "id_number"
        raise RowProblem.of(prefix + key, exc) from None


def _owner(cells: dict[str, str]) -> SealedOwner | None:
    name = _text(cells, "owner_name", NAME_MAX)
    kind_text = _cell(cells, "owner_kind")
    kind = _OWNER_KINDS.get(kind_text) if kind_text else OwnerKind.person
    _choice(cells, "owner_kind", kind, "个人/建设单位/单位")
    others = [k for k in ("owner_kind", "owner_id_number", "owner_phone") if _cell(cells, k)]
    if not name:
        if others:
            raise RowProblem(
                "填写了业主信息但缺少业主姓名", "owner details given without owner_name"
            )
        return None
    assert kind is not None
    spec = OwnerSpec(
        name=name,
        kind=kind,
        id_number=_cell(cells, "owner_id_number") or None,
        phone=_cell(cells, "owner_phone") or None,
    )
    return _sealed_owner("owner_", spec)


def _flag(cells: dict[str, str], key: str) -> bool:
    value = _cell(cells, key).lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise RowProblem(f"{BY_KEY[key].zh}应填“是”或“否”", f"{key} must be 是 or 否 (yes/no)")


def _tags(cells: dict[str, str]) -> tuple[CareTag, ...] | None:
    if not _cell(cells, "tags"):
        return None
    tags: list[CareTag] = []
    for part in split_tags(_cell(cells, "tags")):
        tag = parse_tag(part)
        if tag is None:
            raise RowProblem(f"关怀标签“{part}”无效", f"unknown care tag {part!r}")
        tags.append(tag)
    return tuple(dict.fromkeys(tags))


def _birth_year(cells: dict[str, str]) -> int | None:
    raw = _cell(cells, "birth_year")
    if not raw:
        return None
    if not raw.isdigit():
        raise RowProblem(f"出生年份“{raw}”应为四位数字", f"birth_year {raw!r} must be a year")
    try:
        return check_birth_year(int(raw))
    except DomainError as exc:
        raise RowProblem.of("birth_year", exc) from None


def _resident(cells: dict[str, str]) -> ResidentPart | None:
    name = _text(cells, "name", NAME_MAX)
    if not name:
        if any(_cell(cells, k) for k in RESIDENT_KEYS):
            raise RowProblem("填写了居民信息但缺少姓名", "resident details given without name")
        return None
    gender = parse_gender(_cell(cells, "gender"))
    _choice(cells, "gender", gender, "男/女")
    id_number = None
    if _cell(cells, "id_number"):
        try:
            id_number = normalize_id_number(_cell(cells, "id_number"))
        except DomainError as exc:
            raise RowProblem.of("id_number", exc) from None
    try:
        gender, birth_year = reconcile_with_id(id_number, gender, _birth_year(cells))
    except DomainError as exc:
        raise RowProblem.of(str(exc.data.get("field", "id_number")), exc) from None
    try:
        phone = seal_phone(_cell(cells, "phone") or None)
    except DomainError as exc:
        raise RowProblem.of("phone", exc) from None
    is_owner = _flag(cells, "is_owner")
    owner = None
    if is_owner:
        spec = OwnerSpec(name=name, id_number=id_number, phone=_cell(cells, "phone") or None)
        owner = _sealed_owner("", spec)
    return ResidentPart(
        name=name,
        gender=gender,
        birth_year=birth_year,
        relation=_text(cells, "relation", RELATION_MAX),
        phone=phone,
        id_number=seal_id_number(id_number),
        tags=_tags(cells),
        is_owner=is_owner,
        owner=owner,
    )


def parse_row(line: int, cells: dict[str, str]) -> ParsedRow:
    """One data row (column key → cell text), checked and sealed, or :class:`RowProblem`."""
    house = _house(cells)
    owner = _owner(cells)
    resident = _resident(cells)
    household = _text(cells, "household", HOUSEHOLD_MAX) or "1"
    tenure = parse_tenure(_cell(cells, "tenure"))
    _choice(cells, "tenure", tenure, "自住/租住/其他")
    if resident is None and (_cell(cells, "household") or tenure is not None):
        raise RowProblem(
            "填写了户号或居住类型但缺少居民姓名",
            "household or tenure given without a resident name",
        )
    return ParsedRow(line, house, owner, household, tenure, resident, cells)
