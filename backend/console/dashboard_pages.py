"""The KPI dashboard: a unit subtree's DOMAIN §4 figures for a chosen period, a daily chart,
the child units ranked, CSV/XLSX downloads and the map of its grids by open/overdue cases.

A thin door: every figure comes from :mod:`grid.cases.kpis` (the same service as
``/api/v1/units/{id}/kpis``) and :mod:`grid.cases.grid_load`, which check ``kpi.read`` and
scope; the downloads are the API's files (:mod:`grid.cases.kpi_export`) behind the console's
cookie. The period is picked as two local dates, both inclusive, as people say it ("1 to 31
October"); the services take ``[start, end)``, so ``end`` is the day after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get

from backend import clock
from backend.console.charts import daily_chart_svg
from backend.console.dashboard_texts import dash_text
from backend.console.render import page
from backend.console.session import PREFIX, language_of, session_actor
from backend.errors import forbidden, invalid
from backend.http.kpis import file_response
from grid.actors import Actor
from grid.cases import kpi_export as export
from grid.cases import kpis as svc
from grid.cases.calendar import TZ
from grid.cases.grid_load import GridMap, grid_load
from grid.geo.choropleth import MapArea, grid_map_svg
from grid.permissions import Action
from grid.tables import OrgUnit

PATH = PREFIX + "/dashboard"
RATES = ("completion", "on_time", "resolved_in_grid", "satisfaction", "rework", "worker_activity")


@dataclass(frozen=True)
class Choice:
    start: date
    until: date  # inclusive
    unit_id: int
    by: svc.KpiRankBy

    @property
    def end(self) -> date:
        return self.until + timedelta(days=1)

    def query(self, **extra: str) -> str:
        pairs = {
            "unit_id": str(self.unit_id),
            "start": self.start.isoformat(),
            "until": self.until.isoformat(),
            "by": str(self.by),
            **extra,
        }
        return urlencode(pairs)


def _date(value: str | None, field: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, "a date such as 2026-10-01") from None


def read_choice(actor: Actor, request: Request[Any, Any, Any]) -> Choice:
    """The query's unit, period and ranking, defaulting to the first unit whose KPIs the user
    may read and this month so far."""
    grants = actor.grants_for(Action.kpi_read)
    if not grants:
        raise forbidden(str(Action.kpi_read))
    q = request.query_params
    today = clock.now().astimezone(TZ).date()
    start = _date(q.get("start"), "start", today.replace(day=1))
    until = _date(q.get("until"), "until", today)
    unit = q.get("unit_id") or ""
    if unit and not unit.isdigit():
        raise invalid("unit_id", "a positive integer")
    try:
        by = svc.KpiRankBy(q.get("by") or svc.KpiRankBy.completion)
    except ValueError:
        raise invalid("by", ", ".join(svc.KpiRankBy)) from None
    return Choice(start, until, int(unit) if unit else grants[0].unit_id, by)


async def _units(actor: Actor, current: int) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The units to pick from (those the KPI grants are at) and, below them, the way up."""
    ids = sorted({g.unit_id for g in actor.grants_for(Action.kpi_read)})
    rows = await OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.is_in(ids))
    parent = None
    if current not in ids:
        here = await OrgUnit.select(OrgUnit.parent).where(OrgUnit.id == current).first()
        if here and here["parent"]:
            up = (
                await OrgUnit.select(OrgUnit.id, OrgUnit.name, OrgUnit.prefix)
                .where(OrgUnit.id == here["parent"])
                .first()
            )
            if up and actor.may(Action.kpi_read, up["prefix"]):
                parent = up
    return sorted(rows, key=lambda r: r["id"]), parent


def map_markup(load: GridMap, language: str) -> str:
    def words(key: str, **values: object) -> str:
        return dash_text(key, language, **values)

    areas = [
        MapArea(
            g.code,
            g.name,
            g.boundary,
            g.open,
            g.overdue,
            href=f"{PREFIX}/queue?queue=open&unit_id={g.unit_id}",
        )
        for g in load.grids
    ]
    return grid_map_svg(
        areas,
        title=words("map_title", name=load.name),
        legend_labels={k: words(f"band_{k}") for k in ("many", "overdue", "open", "calm")},
        describe=lambda a: words(
            "grid_figures", name=a.name, code=a.code, open=a.open, overdue=a.overdue
        ),
    )


@get("/dashboard")
async def dashboard_page(request: Request[Any, Any, Any]) -> Any:
    actor = await session_actor(request)
    choice = read_choice(actor, request)
    language = language_of(request)
    ranked = await svc.ranking(actor, choice.unit_id, choice.start, choice.end, choice.by)
    days = await svc.daily_series(actor, choice.unit_id, choice.start, choice.end)
    load = await grid_load(actor, choice.unit_id)
    units, parent = await _units(actor, choice.unit_id)

    def d(key: str, **values: object) -> str:
        return dash_text(key, language, **values)

    chart = daily_chart_svg(
        days,
        title=d("chart_title"),
        labels={k: d(k) for k in ("reported", "filed", "closed", "overdue")},
    )
    return page(
        request,
        "dashboard.html",
        {
            "d": d,
            "choice": choice,
            "own": ranked.unit,
            "children": ranked.children,
            "rates": RATES,
            "rank_keys": list(svc.KpiRankBy),
            "days": days,
            "chart": chart,
            "load": load,
            "map": map_markup(load, language),
            "units": units,
            "parent": parent,
            "as_of": load.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
        },
    )


@get("/dashboard/export.csv")
async def dashboard_csv(request: Request[Any, Any, Any]) -> Response[bytes]:
    actor = await session_actor(request)
    choice = read_choice(actor, request)
    try:
        table = export.Table(request.query_params.get("table") or export.Table.units)
    except ValueError:
        raise invalid("table", "units or daily") from None
    file = await export.csv_file(actor, choice.unit_id, choice.start, choice.end, table, choice.by)
    return file_response(file)


@get("/dashboard/export.xlsx")
async def dashboard_xlsx(request: Request[Any, Any, Any]) -> Response[bytes]:
    actor = await session_actor(request)
    choice = read_choice(actor, request)
    return file_response(
        await export.xlsx_file(actor, choice.unit_id, choice.start, choice.end, choice.by)
    )
