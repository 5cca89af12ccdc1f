"""KPI tables as files for the people who paste them into reports: CSV and XLSX, Chinese headers.

The CSV starts with a UTF-8 byte-order mark, without which Excel on Chinese Windows shows the
headers as mojibake. The XLSX holds the unit and its children (one sheet) and the daily
series (another), with rates as numbers so a spreadsheet can chart them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from openpyxl import Workbook
from openpyxl.styles import Font

from grid.actors import Actor
from grid.cases import kpis as svc
from grid.cases.kpis import KpiDay, KpiMeanDays, KpiRatio, UnitKpis

CSV_TYPE = "text/csv"  # Litestar adds "; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LEVEL_ZH = {
    "city": "市",
    "district": "区县",
    "street": "街道",
    "community": "社区",
    "grid": "网格",
    "micro_grid": "微网格",
}
UNIT_HEADERS = [
    "排名",
    "单位编码",
    "单位名称",
    "层级",
    "立案数",
    "作废数",
    "缓办数",
    "应结案数",
    "结案数",
    "结案率(%)",
    "按期结案数",
    "按期结案率(%)",
    "网格自办结数",
    "网格自办结率(%)",
    "平均办理时长(天)",
    "评价数",
    "满意数",
    "满意率(%)",
    "返工数",
    "返工率(%)",
    "网格员数",
    "活跃网格员数",
    "网格员活跃率(%)",
]
DAY_HEADERS = ["日期", "上报数", "立案数", "结案数", "超期数"]

Cell = str | int | float | None


class Table(StrEnum):
    units = "units"  # the unit (合计) and its children, ranked
    daily = "daily"


def unit_row(k: UnitKpis, *, total: bool = False) -> list[Cell]:
    def pair(r: KpiRatio) -> list[Cell]:
        return [r.numerator, r.percent]

    h: KpiMeanDays = k.handling
    return [
        "合计" if total else k.rank,
        k.code,
        k.name,
        LEVEL_ZH.get(k.level, k.level),
        k.filed,
        k.voided,
        k.deferred,
        k.due,
        *pair(k.completion),
        *pair(k.on_time),
        *pair(k.resolved_in_grid),
        h.days,
        k.satisfaction.denominator,
        *pair(k.satisfaction),
        *pair(k.rework),
        k.worker_activity.denominator,
        *pair(k.worker_activity),
    ]


def day_row(d: KpiDay) -> list[Cell]:
    return [d.day.isoformat(), d.reported, d.filed, d.closed, d.overdue]


def _csv(headers: list[str], rows: Sequence[list[Cell]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(["" if c is None else c for c in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def units_csv(own: UnitKpis, children: Sequence[UnitKpis]) -> bytes:
    return _csv(UNIT_HEADERS, [unit_row(own, total=True), *(unit_row(c) for c in children)])


def days_csv(days: Sequence[KpiDay]) -> bytes:
    return _csv(DAY_HEADERS, [day_row(d) for d in days])


def workbook(own: UnitKpis, children: Sequence[UnitKpis], days: Sequence[KpiDay]) -> bytes:
    book = Workbook()
    units = book.active
    units.title = "单位指标"
    daily = book.create_sheet("每日趋势")
    for sheet, headers, rows in (
        (units, UNIT_HEADERS, [unit_row(own, total=True), *(unit_row(c) for c in children)]),
        (daily, DAY_HEADERS, [day_row(d) for d in days]),
    ):
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    units.column_dimensions["B"].width = 18
    units.column_dimensions["C"].width = 20
    daily.column_dimensions["A"].width = 12
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(own: UnitKpis, start: date, end: date, what: str, ext: str) -> str:
    """ASCII only (a header value), e.g. ``kpi-500103001000-2026-10-01-2026-11-01.csv``."""
    return f"{what}-{own.code}-{start.isoformat()}-{end.isoformat()}.{ext}"


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    name: str  # for Content-Disposition


async def csv_file(
    actor: Actor,
    unit_id: int,
    start: date,
    end: date,
    table: Table = Table.units,
    by: svc.KpiRankBy = svc.KpiRankBy.completion,
) -> ExportFile:
    """The CSV download, the same for the JSON API and the console (access checked inside)."""
    ranked = await svc.ranking(actor, unit_id, start, end, by)
    if table is Table.daily:
        content = days_csv(await svc.daily_series(actor, unit_id, start, end))
    else:
        content = units_csv(ranked.unit, ranked.children)
    return ExportFile(content, CSV_TYPE, filename(ranked.unit, start, end, f"kpi-{table}", "csv"))


async def xlsx_file(
    actor: Actor,
    unit_id: int,
    start: date,
    end: date,
    by: svc.KpiRankBy = svc.KpiRankBy.completion,
) -> ExportFile:
    """The XLSX download (both sheets), the same for the JSON API and the console."""
    ranked = await svc.ranking(actor, unit_id, start, end, by)
    days = await svc.daily_series(actor, unit_id, start, end)
    content = workbook(ranked.unit, ranked.children, days)
    return ExportFile(content, XLSX_TYPE, filename(ranked.unit, start, end, "kpi", "xlsx"))
