"""Import org units from a GeoJSON FeatureCollection — all or nothing, idempotent.

The format is described in ``docs/import.md``. In short: one Feature per unit with
properties ``code``, ``name``, ``level`` and optionally ``parent_code`` (else the parent is
the unit one level up whose prefix the code starts with), geometry a Polygon/MultiPolygon
or null, in WGS-84 unless the collection says ``"coordinate_system": "gcj02"``.

Why it works the way it does:

* Every feature is checked before anything is written, and every bad one is reported (by
  its 1-based position in the file and the reason), because a half-imported tree — grids
  without their community, a street missing half its grids — is worse than none.
* The writes then run in ONE ``write_transaction``; if anything fails there, nothing stays.
* Existing units are matched by code: same name and boundary → unchanged, else updated. So
  importing the same file twice changes nothing, and a corrected file updates in place.
* Checking 60 000 polygons takes seconds, so it happens *before* the transaction (SQLite
  holds its write lock for a transaction's whole life). The transaction then re-reads the
  rows validation relied on and gives up if another writer changed them meanwhile.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError
from backend.i18n import ZH, translate
from grid.codes import CODE_LENGTH, ORDER, parent_level, prefix_of, validate_code
from grid.geo.coords import CoordSystem, parse_system
from grid.geo.lookup import invalidate_unit_index
from grid.geo.shapes import Boundary, Container, load_stored, parse_boundary
from grid.services.org_units import MAX_NAME, is_integrity_error
from grid.services.unit_queries import chunks
from grid.tables import Level, OrgUnit

#: Rows per multi-row INSERT.
BATCH = 500
#: Levels whose units must have a boundary (the ones points are looked up in).
NEED_BOUNDARY = frozenset({Level.grid, Level.micro_grid})
MAX_ERROR_LINES = 50
FILE = 0  # the "index" of an error about the file as a whole


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def describe(self) -> str:
        """Chinese-first summary; with errors, one line per bad feature."""
        if self.ok:
            return (
                f"导入完成：新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"
                f" (imported: {self.created} created, {self.updated} updated,"
                f" {self.unchanged} unchanged)"
            )
        lines = [
            f"导入失败，未写入任何数据：共 {len(self.errors)} 处错误"
            f" (import failed, nothing was written: {len(self.errors)} errors)"
        ]
        for index, reason in self.errors[:MAX_ERROR_LINES]:
            lines.append(f"第 {index} 个要素：{reason}" if index != FILE else f"文件：{reason}")
        if len(self.errors) > MAX_ERROR_LINES:
            lines.append(f"……另有 {len(self.errors) - MAX_ERROR_LINES} 处错误")
        return "\n".join(lines)


class _Bad(Exception):
    """One feature's problem, already worded for the report."""


@dataclass
class _Item:
    index: int
    code: str
    name: str
    level: Level
    prefix: str
    parent_code: str | None
    shape: Boundary | None
    parent_id: int | None = None
    parent_item: _Item | None = None
    existing: dict[str, Any] | None = None
    action: str = ""  # "create" | "update" | "unchanged"


def _reason(exc: DomainError) -> str:
    return translate(exc.code, ZH, exc.data)


def _text(props: Mapping[str, Any], key: str, required: bool = True) -> str | None:
    value = props.get(key)
    if value is None or value == "":
        if required:
            raise _Bad(f"缺少属性 {key}")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Bad(f"属性 {key} 应为文本")
    return str(value).strip()


def _parse_feature(index: int, feature: Any, system: CoordSystem) -> _Item:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise _Bad("不是 GeoJSON Feature 对象")
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        raise _Bad("缺少 properties")
    code, name, level_text = (_text(props, k) for k in ("code", "name", "level"))
    assert code is not None and name is not None and level_text is not None
    if len(name) > MAX_NAME:
        raise _Bad(f"名称超过 {MAX_NAME} 个字符")
    try:
        level = Level(level_text)
    except ValueError:
        raise _Bad(f"级别 {level_text!r} 无效，应为 {'/'.join(Level)} 之一") from None
    parent_code = _text(props, "parent_code", required=False)
    try:
        prefix = validate_code(code, level, parent_code)
        geometry = feature.get("geometry")
        shape = parse_boundary(geometry, system) if geometry is not None else None
    except DomainError as exc:
        raise _Bad(_reason(exc)) from None
    if shape is None and level in NEED_BOUNDARY:
        raise _Bad("网格和微网格必须有边界（geometry 为 Polygon 或 MultiPolygon）")
    return _Item(index, code, name, level, prefix, parent_code, shape)


_DB_COLUMNS = (
    OrgUnit.id,
    OrgUnit.code,
    OrgUnit.prefix,
    OrgUnit.name,
    OrgUnit.level,
    OrgUnit.parent,
    OrgUnit.boundary,
    OrgUnit.updated_at,
)


async def _rows_where(column: Any, values: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(set(values))):
        for row in await OrgUnit.select(*_DB_COLUMNS).where(column.is_in(list(part))):
            found[row["code"]] = row
    return found


class _Resolver:
    """Finds each item's parent (in the file or the database) and checks it holds the item."""

    def __init__(
        self, items: list[_Item], db: dict[str, dict[str, Any]], bad: dict[str, int]
    ) -> None:
        self.bad = bad
        self.by_code = {i.code: i for i in items}
        self.by_prefix = {i.prefix: i for i in items}
        self.db = db
        self.db_by_prefix = {r["prefix"]: r for r in db.values()}
        self.containers: dict[str, Container | None] = {}

    def parent_of(self, item: _Item) -> tuple[_Item | None, dict[str, Any] | None]:
        above = parent_level(item.level)
        if above is None:
            if item.parent_code:
                raise _Bad("市级单元没有上级")
            return None, None
        if item.parent_code:
            code = item.parent_code
            found_item = self.by_code.get(code)
            found_row = self.db.get(code)
            what = f"上级单元 {code}"
        else:
            wanted = prefix_of(item.code, above)
            code = wanted.ljust(CODE_LENGTH[above], "0")
            found_item = self.by_prefix.get(wanted)
            found_row = self.db_by_prefix.get(wanted)
            what = f"编码前缀为 {wanted} 的上级单元"
        if code in self.bad and found_row is None:
            raise _Bad(f"上级单元 {code}（第 {self.bad[code]} 个要素）有误")
        if found_item is None and found_row is None:
            raise _Bad(f"找不到{what}（文件和数据库中都没有）")
        level = found_item.level if found_item else Level(found_row["level"])  # type: ignore[index]
        if level != above:
            raise _Bad(f"{what}是{level}级，{item.level}的上级应为{above}级")
        return found_item, found_row

    def container(self, code: str, shape: Boundary | None, stored: Any) -> Container | None:
        if code not in self.containers:
            if shape is None and stored is not None:
                shape = parse_boundary(load_stored(stored), CoordSystem.wgs84)
            self.containers[code] = Container(shape.geometry) if shape else None
        return self.containers[code]


def _resolve(item: _Item, resolver: _Resolver) -> None:
    parent_item, parent_row = resolver.parent_of(item)
    item.parent_item = parent_item
    item.parent_id = parent_row["id"] if parent_row and parent_item is None else None
    existing = resolver.db.get(item.code)
    if existing is not None:
        if existing["level"] != item.level:
            raise _Bad(
                f"单元 {item.code} 已存在，级别为 {existing['level']}，不能改为 {item.level}"
            )
        wanted_parent = parent_row["id"] if parent_row else None
        if existing["parent"] != wanted_parent:
            raise _Bad(f"单元 {item.code} 已存在，但上级单元不同（单元编码不可更改）")
    if item.shape is not None and (parent_item or parent_row):
        parent_code = parent_item.code if parent_item else parent_row["code"]  # type: ignore[index]
        container = resolver.container(
            parent_code,
            parent_item.shape if parent_item else None,
            parent_row["boundary"] if parent_row and not parent_item else None,
        )
        if container is not None and not container.holds(item.shape.geometry):
            share = container.outside_share(item.shape.geometry)
            raise _Bad(f"边界超出上级单元 {parent_code} 的范围（{share:.1%} 的面积在外）")
    item.existing = existing
    if existing is None:
        item.action = "create"
    elif existing["name"] != item.name or load_stored(existing["boundary"]) != (
        item.shape.geojson if item.shape else None
    ):
        item.action = "update"
    else:
        item.action = "unchanged"


def _claimed_code(feature: Any) -> str | None:
    """The code a broken feature says it has, so its children can name it as the cause."""
    props = feature.get("properties") if isinstance(feature, Mapping) else None
    code = props.get("code") if isinstance(props, Mapping) else None
    return (
        str(code).strip() if isinstance(code, (str, int)) and not isinstance(code, bool) else None
    )


async def _check(
    features: Sequence[Any], system: CoordSystem, progress: bool, report: ImportReport
) -> list[_Item]:
    items: list[_Item] = []
    first_of: dict[str, int] = {}
    bad: dict[str, int] = {}
    for index, feature in enumerate(
        tqdm(features, desc="校验 checking", unit="个", disable=not progress), start=1
    ):
        try:
            item = _parse_feature(index, feature, system)
        except _Bad as exc:
            report.errors.append((index, str(exc)))
            claimed = _claimed_code(feature)
            if claimed:
                bad.setdefault(claimed, index)
            continue
        if item.code in first_of:
            report.errors.append((index, f"编码 {item.code} 与第 {first_of[item.code]} 个要素重复"))
            continue
        first_of[item.code] = index
        items.append(item)
    wanted = {i.code for i in items} | {i.parent_code for i in items if i.parent_code}
    db = await _rows_where(OrgUnit.code, sorted(wanted))
    prefixes = {
        prefix_of(i.code, above)
        for i in items
        if not i.parent_code and (above := parent_level(i.level)) is not None
    }
    for row in (await _rows_where(OrgUnit.prefix, sorted(prefixes))).values():
        db.setdefault(row["code"], row)
    resolver = _Resolver(items, db, bad)
    for item in sorted(items, key=lambda i: (ORDER.index(i.level), i.index)):
        try:
            _resolve(item, resolver)
        except _Bad as exc:
            bad[item.code] = item.index
            report.errors.append((item.index, str(exc)))
    report.errors.sort()
    return items


async def _unchanged_since_check(items: list[_Item]) -> bool:
    """Whether the rows validation relied on are still as they were (inside the transaction)."""
    seen = {i.code: i.existing for i in items}
    now = await _rows_where(OrgUnit.code, sorted(seen))
    for code, before in seen.items():
        after = now.get(code)
        if (before is None) != (after is None):
            return False
        if before is not None and after is not None and before["updated_at"] != after["updated_at"]:
            return False
    return True


async def _write(items: list[_Item], progress: bool) -> None:
    now = clock.now()
    ids: dict[str, int] = {}
    creating = [i for i in items if i.action == "create"]
    bar = tqdm(total=len(creating), desc="写入 writing", unit="个", disable=not progress)
    for level in ORDER:
        batch = [i for i in creating if i.level == level]
        for part in chunks(batch, BATCH):
            rows = [
                OrgUnit(
                    code=i.code,
                    prefix=i.prefix,
                    name=i.name,
                    level=i.level,
                    parent=ids[i.parent_item.code] if i.parent_item else i.parent_id,
                    boundary=i.shape.to_json() if i.shape else None,
                    centroid_lon=i.shape.centroid[0] if i.shape else None,
                    centroid_lat=i.shape.centroid[1] if i.shape else None,
                    created_at=now,
                    updated_at=now,
                )
                for i in part
            ]
            inserted = await OrgUnit.insert(*rows).returning(OrgUnit.id, OrgUnit.code)
            ids.update({r["code"]: r["id"] for r in inserted})
            bar.update(len(part))
        for item in (i for i in items if i.level == level and i.existing is not None):
            assert item.existing is not None
            ids[item.code] = item.existing["id"]
            if item.action == "update":
                await OrgUnit.update(
                    {
                        OrgUnit.name: item.name,
                        OrgUnit.boundary: item.shape.to_json() if item.shape else None,
                        OrgUnit.centroid_lon: item.shape.centroid[0] if item.shape else None,
                        OrgUnit.centroid_lat: item.shape.centroid[1] if item.shape else None,
                        OrgUnit.updated_at: now,
                    }
                ).where(OrgUnit.id == item.existing["id"])
    bar.close()


class _Changed(Exception):
    pass


async def import_units(
    features: Sequence[Any],
    progress: bool = False,
    system: CoordSystem | str = CoordSystem.wgs84,
) -> ImportReport:
    """Check every feature, then write them all in one transaction (or nothing)."""
    report = ImportReport()
    try:
        system = parse_system(system)
    except DomainError as exc:
        report.errors.append((FILE, _reason(exc)))
        return report
    items = await _check(features, system, progress, report)
    if not report.ok:
        return report
    try:
        async with write_transaction():
            if not await _unchanged_since_check(items):
                raise _Changed
            await _write(items, progress)
    except _Changed:
        report.errors.append((FILE, "导入期间单元数据被他人修改，请重新导入"))
        return report
    except Exception as exc:
        if not is_integrity_error(exc):
            raise
        report.errors.append((FILE, f"数据库拒绝写入，未写入任何数据：{exc}"))
        return report
    invalidate_unit_index()
    report.created = sum(i.action == "create" for i in items)
    report.updated = sum(i.action == "update" for i in items)
    report.unchanged = sum(i.action == "unchanged" for i in items)
    return report


def read_feature_collection(text: str) -> tuple[list[Any], str]:
    """(features, coordinate system) of a GeoJSON FeatureCollection text, or ValueError."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError("不是 GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise ValueError("features 应为数组")
    return features, str(data.get("coordinate_system") or CoordSystem.wgs84)


async def import_units_file(path: Path, progress: bool) -> ImportReport:
    """Import a GeoJSON file (see :func:`import_units`); an unreadable file is one error."""
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        features, system = read_feature_collection(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return ImportReport(errors=[(FILE, f"无法读取 {path.name}：{exc}")])
    return await import_units(features, progress=progress, system=system)
