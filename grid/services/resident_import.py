"""``gridgov import-residents FILE.csv``: house units, owners, households and residents from a register.

The columns are in :mod:`grid.services.resident_rows` and ``docs/import.md``. Why it works the
way it does:

* A community's register always has a few bad lines (a mistyped ID number, a room that is not
  in the building list). Unlike the org tree — where a half-imported tree is worse than none —
  every good row of a register is useful on its own, so good rows are imported and each bad
  one is reported by its line number and the reason; the command then exits non-zero.
* Rows are checked in full before anything is written (phone and ID numbers validated and
  sealed, the same helpers the API uses, so the import cannot store what the API would
  refuse). Rows that contradict an earlier row about the same house unit or household
  (another area, another tenure), or repeat an ID number, are reported; the first one wins.
* Each house unit with its owners, households and residents is written in its own short write
  transaction, so a 5 000-person register never holds the SQLite write lock for long.
* Importing the same file again changes nothing: house units are found by micro-grid /
  building / entrance / room, residents by the keyed hash of their ID number (else by name in
  their household), a household by the residents already living in it, owners as
  :mod:`grid.services.owners` finds them. An empty cell leaves a stored value as it is.
* A resident whose ID number is registered in another house unit is reported, not moved:
  moving people between communities is a decision for staff, not a side effect of a file.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from backend.db import write_transaction
from grid.services.house_units import house_label
from grid.services.org_units import is_integrity_error
from grid.services.owners import SealedOwner, replace_owners
from grid.services.resident_rows import (
    HousePart,
    ParsedRow,
    ResidentPart,
    RowProblem,
    header_keys,
    parse_row,
)
from grid.services.resident_writes import FamilyPlan, write_house
from grid.services.unit_queries import chunks
from grid.tables import Level, OrgUnit

FILE = 0  # the "line" of a problem with the file as a whole
MAX_ERROR_LINES = 100


@dataclass
class ResidentImportReport:
    rows: int = 0
    house_units_created: int = 0
    house_units_updated: int = 0
    households_created: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    residents_unchanged: int = 0
    errors: list[tuple[int, RowProblem]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({line for line, _ in self.errors})

    def fail(self, line: int, problem: RowProblem) -> None:
        self.errors.append((line, problem))

    def describe(self) -> str:
        """Chinese-first summary, then one line per bad row."""
        lines = [
            f"导入完成：{self.rows} 行，其中 {self.rows - len(self.bad_lines)} 行已导入；"
            f"房屋新增 {self.house_units_created}、更新 {self.house_units_updated}；"
            f"户新增 {self.households_created}；居民新增 {self.residents_created}、"
            f"更新 {self.residents_updated}、未变 {self.residents_unchanged}"
            f" (rows: {self.rows}; house units: {self.house_units_created} created,"
            f" {self.house_units_updated} updated; households: {self.households_created} created;"
            f" residents: {self.residents_created} created, {self.residents_updated} updated,"
            f" {self.residents_unchanged} unchanged)"
        ]
        if self.errors:
            lines.append(
                f"{len(self.bad_lines)} 行有误，未导入 ({len(self.bad_lines)} rows not imported):"
            )
            for line, problem in sorted(self.errors, key=lambda e: e[0])[:MAX_ERROR_LINES]:
                where = f"第 {line} 行" if line != FILE else "文件"
                lines.append(f"{where}：{problem.text()}")
            if len(self.errors) > MAX_ERROR_LINES:
                lines.append(f"……另有 {len(self.errors) - MAX_ERROR_LINES} 处错误")
        return "\n".join(lines)


@dataclass
class _House:
    part: HousePart
    first_line: int
    owners: list[SealedOwner] = field(default_factory=list)
    families: dict[str, FamilyPlan] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)

    def label(self) -> str:
        return house_label(self.part.building, self.part.entrance, self.part.room)


def _owner_key(owner: SealedOwner) -> tuple[str, str]:
    return (str(owner.kind), owner.id_hash or owner.name)


class _Grouper:
    """Gathers checked rows into house units and households, refusing contradicting rows."""

    def __init__(self, report: ResidentImportReport) -> None:
        self.report = report
        self.houses: dict[tuple[str, str, str, str], _House] = {}
        self.id_lines: dict[str, int] = {}

    def _conflict(self, row: ParsedRow, house: _House) -> RowProblem | None:
        p, h = row.house, house.part
        for attr, zh, en in (
            ("address", "地址", "address"),
            ("area_centi", "专有面积", "exclusive_area"),
            ("area_source", "面积来源", "area_source"),
        ):
            mine, theirs = getattr(p, attr), getattr(h, attr)
            if mine not in (None, "") and theirs not in (None, "") and mine != theirs:
                return RowProblem(
                    f"{zh}与第 {house.first_line} 行的同一房屋 {house.label()} 不一致",
                    f"{en} differs from line {house.first_line} for the same house unit",
                )
        resident = row.resident
        if resident is None:
            return None
        id_hash = resident.id_number.hash
        if id_hash and id_hash in self.id_lines:
            first = self.id_lines[id_hash]
            return RowProblem(
                f"身份证号与第 {first} 行重复", f"id_number repeats the one on line {first}"
            )
        family = house.families.get(row.household)
        if family is None:
            return None
        if row.tenure and family.tenure and row.tenure != family.tenure:
            return RowProblem(
                f"居住类型与第 {family.lines[0]} 行的同一户不一致",
                f"tenure differs from line {family.lines[0]} for the same household",
            )
        if not id_hash and any(
            not m.id_number.hash and m.name == resident.name for _, m in family.members
        ):
            return RowProblem(
                f"同一户中已有同名且无身份证号的居民“{resident.name}”",
                f"the household already has a resident {resident.name!r} without an ID number",
            )
        return None

    def add(self, row: ParsedRow) -> None:
        house = self.houses.get(row.house.key)
        if house is None:
            house = self.houses[row.house.key] = _House(row.house, row.line)
        problem = self._conflict(row, house)
        if problem is not None:
            self.report.fail(row.line, problem)
            return
        p = row.house
        house.part = HousePart(
            p.micro_code,
            p.building,
            p.entrance,
            p.room,
            house.part.address or p.address,
            house.part.area_centi if house.part.area_centi is not None else p.area_centi,
            house.part.area_source or p.area_source,
        )
        house.lines.append(row.line)
        owners = [row.owner] if row.owner else []
        if row.resident is not None and row.resident.owner is not None:
            owners.append(row.resident.owner)
        for owner in owners:
            if all(_owner_key(o) != _owner_key(owner) for o in house.owners):
                house.owners.append(owner)
        if row.resident is not None:
            self._add_resident(row, house, row.resident)

    def _add_resident(self, row: ParsedRow, house: _House, resident: ResidentPart) -> None:
        family = house.families.get(row.household)
        if family is None:
            family = house.families[row.household] = FamilyPlan(row.household)
        family.tenure = family.tenure or row.tenure
        family.members.append((row.line, resident))
        family.lines.append(row.line)
        if resident.id_number.hash:
            self.id_lines[resident.id_number.hash] = row.line


async def _micro_grids(codes: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(codes)):
        for r in await OrgUnit.select(
            OrgUnit.id, OrgUnit.code, OrgUnit.prefix, OrgUnit.level
        ).where(OrgUnit.code.is_in(list(part))):
            found[r["code"]] = r
    return found


def _micro_problem(code: str, unit: dict[str, Any] | None) -> RowProblem | None:
    if unit is None:
        return RowProblem(f"微网格编码 {code} 不存在", f"no unit with micro_grid_code {code}")
    if unit["level"] != Level.micro_grid:
        return RowProblem(
            f"编码 {code} 是{unit['level']}级单元，房屋须属于微网格",
            f"{code} is a {unit['level']} unit; house units belong to a micro_grid",
        )
    return None


async def _write(house: _House, micro: dict[str, Any], report: ResidentImportReport) -> None:
    async with write_transaction():
        result = await write_house(
            house.part, micro["id"], micro["prefix"], list(house.families.values())
        )
        for line, problem in result.problems:
            report.fail(line, problem)
        if house.owners:
            await replace_owners(result.house_unit_id, house.owners)
    report.house_units_created += result.created
    report.house_units_updated += result.updated
    report.households_created += result.households_created
    report.residents_created += result.residents_created
    report.residents_updated += result.residents_updated
    report.residents_unchanged += result.residents_unchanged


async def import_residents(
    rows: list[tuple[int, dict[str, str]]], progress: bool = False
) -> ResidentImportReport:
    """Import ``(line, {column key: cell})`` rows; bad rows are reported, good ones stored."""
    report = ResidentImportReport(rows=len(rows))
    grouper = _Grouper(report)
    for line, cells in tqdm(rows, desc="校验 checking", unit="行", disable=not progress):
        try:
            parsed = parse_row(line, cells)
        except RowProblem as bad:
            report.fail(line, bad)
            continue
        grouper.add(parsed)
    houses = list(grouper.houses.values())
    micros = await _micro_grids(sorted({h.part.micro_code for h in houses}))
    for house in tqdm(houses, desc="写入 writing", unit="套", disable=not progress):
        if not house.lines:
            continue
        micro = micros.get(house.part.micro_code)
        problem = _micro_problem(house.part.micro_code, micro)
        if problem is not None:
            for line in house.lines:
                report.fail(line, problem)
            continue
        assert micro is not None
        try:
            await _write(house, micro, report)
        except Exception as exc:
            # another writer changed this house unit meanwhile (a unique index said no):
            # its rows are reported, the rest of the register goes on
            if not is_integrity_error(exc):
                raise
            for line in house.lines:
                report.fail(
                    line, RowProblem(f"数据库拒绝写入：{exc}", f"the database refused: {exc}")
                )
    return report


def _decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), else GB18030 — what Excel on a Chinese Windows saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """Data rows with the line each starts on (the header is line 1); blank rows skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise RowProblem("文件为空", "the file is empty") from None
    keys = header_keys(header)
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):
            if len(record) > len(keys):
                raise RowProblem(
                    f"第 {start} 行的单元格比表头多（{len(record)} > {len(keys)}）",
                    f"line {start} has more cells than the header",
                )
            cells = {k: v for k, v in zip(keys, record, strict=False) if k is not None}
            rows.append((start, cells))
        start = reader.line_num + 1
    return rows


async def import_residents_file(path: Path, progress: bool) -> ResidentImportReport:
    """Import a CSV file (see :func:`import_residents`); an unreadable file is one error."""
    try:
        data = await asyncio.to_thread(path.read_bytes)
        rows = read_rows(_decode(data))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        report = ResidentImportReport()
        report.fail(FILE, RowProblem(f"无法读取 {path.name}：{exc}", f"cannot read {path.name}"))
        return report
    except RowProblem as problem:
        report = ResidentImportReport()
        report.fail(FILE, problem)
        return report
    return await import_residents(rows, progress=progress)
