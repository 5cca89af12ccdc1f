"""The dashboard's daily chart: one point per day, bars for overdue days, an honest scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from backend.console.charts import daily_chart_svg, nice_ceiling
from grid.cases.kpis import KpiDay

NS = {"s": "http://www.w3.org/2000/svg"}
START = date(2026, 10, 1)


def _days(values: list[tuple[int, int, int, int]]) -> list[KpiDay]:
    return [KpiDay(START + timedelta(days=i), *v) for i, v in enumerate(values)]


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 (our own output)


def test_axis_top_is_the_next_round_number():
    assert [nice_ceiling(v) for v in (0, 1, 2, 3, 7, 10, 11, 45, 120)] == [
        1,
        1,
        2,
        5,
        10,
        10,
        20,
        50,
        200,
    ]


def test_each_line_has_a_point_per_day_and_bars_only_where_cases_fell_overdue():
    days = _days([(3, 2, 0, 0), (5, 4, 1, 2), (0, 0, 3, 0), (1, 1, 1, 1)])
    root = _parse(daily_chart_svg(days))
    lines = root.findall("s:polyline", NS)
    assert [line.get("class") for line in lines] == ["line-reported", "line-filed", "line-closed"]
    assert all(len(line.get("points").split()) == 4 for line in lines)
    bars = root.findall("s:rect[@class='bar-overdue']", NS)
    assert [(b.get("data-day"), b.get("data-value")) for b in bars] == [
        ("2026-10-02", "2"),
        ("2026-10-04", "1"),
    ]


def test_the_highest_value_touches_the_top_of_a_rounded_axis():
    days = _days([(0, 0, 0, 0), (5, 0, 0, 0)])  # axis 0..5
    root = _parse(daily_chart_svg(days, height=240))
    reported = root.find("s:polyline[@class='line-reported']", NS).get("points").split()
    (_, y_zero), (_, y_peak) = (map(float, p.split(",")) for p in reported)
    assert y_peak == 10.0 and y_zero == 240 - 44  # top margin; the plot's floor


def test_title_and_description_carry_the_totals_for_screen_readers():
    root = _parse(daily_chart_svg(_days([(2, 1, 1, 0), (1, 1, 0, 1)]), title="趋势 <x>"))
    assert root.get("role") == "img"
    assert root.find("s:title", NS).text == "趋势 <x>"
    desc = root.find("s:desc", NS).text
    assert desc.startswith("2026-10-01 – 2026-10-02") and "上报数 3" in desc and "超期数 1" in desc


def test_no_days_no_chart():
    assert daily_chart_svg([]) == ""
