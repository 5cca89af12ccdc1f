"""KPI endpoints: figures, daily series, ranking, CSV/XLSX files and scope, over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from backend import clock
from backend.auth import login
from backend.config import Settings
from grid.cases.kpi_export import DAY_HEADERS, UNIT_HEADERS
from tests.kpi_data import MONTH, KpiWorld, build_kpi_world, expected, expected_days
from tests.personas import PASSWORD

PERIOD = {"start": MONTH[0].isoformat(), "end": MONTH[1].isoformat()}


@pytest.fixture(scope="module")
async def kw(world: object) -> KpiWorld:
    return await build_kpi_world(world, "97", seed=97, cases=240)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
async def auth(kw: KpiWorld, settings: Settings) -> dict[str, dict[str, str]]:
    headers = {}
    for name in ("district_staff", "street_1_staff", "worker_0", "community_11_staff"):
        issued = await login(kw.usernames[name], PASSWORD, "127.0.0.1", settings)
        headers[name] = {"Authorization": f"Bearer {issued.token}"}
    return headers


def _url(kw: KpiWorld, key: str, tail: str = "") -> str:
    return f"/api/v1/units/{kw.units[key]}/kpis{tail}"


async def test_unit_kpis_endpoint_returns_exact_fractions(client, kw, auth):
    r = await client.get(_url(kw, "district"), params=PERIOD, headers=auth["district_staff"])
    assert r.status_code == 200, r.text
    body = r.json()
    want = expected(kw, kw.prefixes["district"], *MONTH)
    assert (body["code"], body["start"], body["end"]) == ("500197000000", *PERIOD.values())
    assert body["due"] == want["due"]
    for name in ("completion", "on_time", "resolved_in_grid", "satisfaction", "rework"):
        got = body[name]
        assert (got["numerator"], got["denominator"], got["percent"]) == want[name], name
    assert body["handling"]["days"] == want["handling"][2]  # type: ignore[index]


async def test_daily_endpoint_lists_every_day_of_the_period(client, kw, auth):
    r = await client.get(
        _url(kw, "street_1", "/daily"), params=PERIOD, headers=auth["street_1_staff"]
    )
    assert r.status_code == 200, r.text
    days = r.json()
    assert len(days) == 31 and days[0]["day"] == "2026-10-01" and days[-1]["day"] == "2026-10-31"
    want = expected_days(kw, kw.prefixes["street_1"], *MONTH, now=clock.now())
    fields = ("reported", "filed", "closed", "overdue")
    got = {date.fromisoformat(d["day"]): tuple(d[f] for f in fields) for d in days}
    assert got == want and sum(v[3] for v in want.values()) > 0


async def test_children_endpoint_ranks_streets_by_the_chosen_kpi(client, kw, auth):
    params = {**PERIOD, "by": "on_time"}
    r = await client.get(
        _url(kw, "district", "/children"), params=params, headers=auth["district_staff"]
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["by"] == "on_time"
    codes = [c["code"] for c in body["children"]]
    assert sorted(codes) == ["500197001000", "500197002000"]
    rates = [c["on_time"]["percent"] for c in body["children"]]
    assert rates == sorted(rates, reverse=True)
    assert body["children"][0]["rank"] == 1


async def test_csv_export_has_chinese_headers_a_total_row_and_a_file_name(client, kw, auth):
    r = await client.get(
        _url(kw, "district", "/export.csv"), params=PERIOD, headers=auth["district_staff"]
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == (
        'attachment; filename="kpi-units-500197000000-2026-10-01-2026-11-01.csv"'
    )
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == UNIT_HEADERS and rows[0][9] == "结案率(%)"
    want = expected(kw, kw.prefixes["district"], *MONTH)
    total = dict(zip(rows[0], rows[1], strict=True))
    assert total["排名"] == "合计" and total["单位编码"] == "500197000000"
    assert int(total["应结案数"]) == want["due"]
    assert float(total["结案率(%)"]) == want["completion"][2]  # type: ignore[index]
    assert {row[1] for row in rows[2:]} == {"500197001000", "500197002000"}


async def test_csv_export_of_the_daily_series(client, kw, auth):
    params = {**PERIOD, "table": "daily"}
    r = await client.get(
        _url(kw, "community_11", "/export.csv"), params=params, headers=auth["community_11_staff"]
    )
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == DAY_HEADERS and len(rows) == 32
    want = expected_days(kw, kw.prefixes["community_11"], *MONTH, now=clock.now())
    assert sum(int(row[2]) for row in rows[1:]) == sum(v[1] for v in want.values())


async def test_xlsx_export_opens_with_both_sheets(client, kw, auth):
    r = await client.get(
        _url(kw, "street_1", "/export.xlsx"), params=PERIOD, headers=auth["street_1_staff"]
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r.headers["content-disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["单位指标", "每日趋势"]
    units = list(book["单位指标"].iter_rows(values_only=True))
    assert list(units[0]) == UNIT_HEADERS
    want = expected(kw, kw.prefixes["street_1"], *MONTH)
    total = dict(zip(units[0], units[1], strict=True))
    assert total["结案数"] == want["completion"][0]  # type: ignore[index]
    assert total["按期结案率(%)"] == want["on_time"][2]  # type: ignore[index]
    assert total["网格员数"] == want["worker_activity"][1]  # type: ignore[index]
    assert {row[1] for row in units[2:]} == {
        kw.prefixes["community_11"],
        kw.prefixes["community_12"],
    }
    daily = list(book["每日趋势"].iter_rows(values_only=True))
    assert list(daily[0]) == DAY_HEADERS and len(daily) == 32


@pytest.mark.parametrize("tail", ["", "/daily", "/children", "/export.csv", "/export.xlsx"])
async def test_kpis_outside_scope_answer_404_and_for_grid_workers_403(client, kw, auth, tail):
    outside = await client.get(
        _url(kw, "street_2", tail), params=PERIOD, headers=auth["street_1_staff"]
    )
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    worker = await client.get(_url(kw, "grid_11_1", tail), params=PERIOD, headers=auth["worker_0"])
    assert worker.status_code == 403 and worker.json()["code"] == "forbidden"
    anonymous = await client.get(_url(kw, "street_1", tail), params=PERIOD)
    assert anonymous.status_code == 401


async def test_reversed_period_is_a_validation_error(client, kw, auth):
    params = {"start": "2026-11-01", "end": "2026-10-01"}
    r = await client.get(_url(kw, "district"), params=params, headers=auth["district_staff"])
    assert r.status_code == 400 and r.json()["code"] == "validation_error"
