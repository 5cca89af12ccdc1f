"""KPIs of a unit's subtree over HTTP: figures, daily series, child ranking, CSV/XLSX export.

Periods are local days ``start`` (inclusive) to ``end`` (exclusive), ISO dates.
"""

from __future__ import annotations

from datetime import date

from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery

from backend.http.deps import CurrentActor
from grid.cases import kpi_export as export
from grid.cases import kpis as svc


class KpiController(Controller):
    path = "/api/v1/units/{unit_id:int}/kpis"
    tags = ["kpis"]

    @get("/", summary="KPIs of the unit's subtree over [start, end) (结案率, 按期结案率, …)")
    async def unit_kpis(
        self,
        actor: CurrentActor,
        unit_id: FromPath[int],
        start: FromQuery[date],
        end: FromQuery[date],
    ) -> svc.UnitKpis:
        return await svc.unit_kpis(actor, unit_id, start, end)

    @get("/daily", summary="Reported, filed, closed and overdue cases per local day (for charts)")
    async def daily(
        self,
        actor: CurrentActor,
        unit_id: FromPath[int],
        start: FromQuery[date],
        end: FromQuery[date],
    ) -> list[svc.KpiDay]:
        return await svc.daily_series(actor, unit_id, start, end)

    @get("/children", summary="The unit's KPIs and its child units', ranked by one KPI")
    async def children(
        self,
        actor: CurrentActor,
        unit_id: FromPath[int],
        start: FromQuery[date],
        end: FromQuery[date],
        by: FromQuery[svc.KpiRankBy] = svc.KpiRankBy.completion,
    ) -> svc.KpiRanking:
        return await svc.ranking(actor, unit_id, start, end, by)

    @get(
        "/export.csv",
        summary="CSV with Chinese headers: the unit and its children, or the daily series",
        media_type=export.CSV_TYPE,
    )
    async def export_csv(
        self,
        actor: CurrentActor,
        unit_id: FromPath[int],
        start: FromQuery[date],
        end: FromQuery[date],
        table: FromQuery[export.Table] = export.Table.units,
        by: FromQuery[svc.KpiRankBy] = svc.KpiRankBy.completion,
    ) -> Response[bytes]:
        return file_response(await export.csv_file(actor, unit_id, start, end, table, by))

    @get(
        "/export.xlsx",
        summary="XLSX workbook: sheet 单位指标 (unit and children) and sheet 每日趋势 (daily)",
        media_type=export.XLSX_TYPE,
    )
    async def export_xlsx(
        self,
        actor: CurrentActor,
        unit_id: FromPath[int],
        start: FromQuery[date],
        end: FromQuery[date],
        by: FromQuery[svc.KpiRankBy] = svc.KpiRankBy.completion,
    ) -> Response[bytes]:
        return file_response(await export.xlsx_file(actor, unit_id, start, end, by))


def file_response(file: export.ExportFile) -> Response[bytes]:
    """A download: the console's dashboard serves the same files through this."""
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.name}"'},
    )
