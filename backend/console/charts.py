"""The dashboard's daily chart as server-rendered SVG: no chart library, no script.

Three lines (reported, filed, closed) and bars for the cases that fell overdue that day, on
one axis from 0 to a rounded maximum. Accessible as the grid map is: ``role="img"`` with a
title and a description that states the totals; the page also offers the same series as a
table. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from grid.cases.kpis import KpiDay
from grid.geo.choropleth import text_width


@dataclass(frozen=True)
class Series:
    key: str  # a KpiDay field
    label: str
    colour: str
    dash: str = ""


#: Dark enough for 3:1 against white; dashes tell the lines apart without colour.
SERIES = (
    Series("reported", "上报数", "#0b4f9c"),
    Series("filed", "立案数", "#6b3fa0", "6 3"),
    Series("closed", "结案数", "#1e6b34", "2 2"),
)
OVERDUE = Series("overdue", "超期数", "#a4161a")


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (at least 1): the axis' top."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def daily_chart_svg(
    days: Sequence[KpiDay],
    *,
    title: str = "每日案件趋势",
    labels: dict[str, str] | None = None,
    width: float = 640,
    height: float = 240,
    svg_id: str = "daily-chart",
) -> str:
    """The chart as SVG markup (``""`` without days)."""
    if not days:
        return ""
    names = {s.key: s.label for s in (*SERIES, OVERDUE)} | (labels or {})
    left, right, top, bottom = 40.0, 8.0, 10.0, 44.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = nice_ceiling(max(max(getattr(d, s.key) for s in (*SERIES, OVERDUE)) for d in days))
    step = plot_w / len(days)

    def x(i: int) -> float:
        return round(left + step * (i + 0.5), 2)

    def y(v: int) -> float:
        return round(top + plot_h * (1 - v / peak), 2)

    totals = {s.key: sum(getattr(d, s.key) for d in days) for s in (*SERIES, OVERDUE)}
    summary = "；".join(f"{names[k]} {v}" for k, v in totals.items())
    period = f"{days[0].day.isoformat()} – {days[-1].day.isoformat()}"
    out = [
        f'<svg id="{escape(svg_id)}" class="chart" viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-labelledby="{svg_id}-title {svg_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{svg_id}-title">{escape(title)}</title>',
        f'<desc id="{svg_id}-desc">{escape(period)}：{escape(summary)}</desc>',
    ]
    # axis and grid lines at 0, half and the top
    for v in (0, peak // 2 if peak >= 2 else None, peak):
        if v is None:
            continue
        out.append(
            f'<line x1="{left:g}" x2="{width - right:g}" y1="{y(v):g}" y2="{y(v):g}" '
            f'stroke="#c8c8c8" stroke-width="1"/>'
            f'<text x="{left - 4:g}" y="{y(v) + 4:g}" font-size="11" text-anchor="end" '
            f'fill="#1a1a1a">{v}</text>'
        )
    bar_w = max(1.0, round(step * 0.5, 2))
    for i, d in enumerate(days):
        if d.overdue:
            out.append(
                f'<rect class="bar-overdue" x="{x(i) - bar_w / 2:g}" y="{y(d.overdue):g}" '
                f'width="{bar_w:g}" height="{round(y(0) - y(d.overdue), 2):g}" '
                f'fill="{OVERDUE.colour}" data-day="{d.day.isoformat()}" data-value="{d.overdue}">'
                f"<title>{d.day.isoformat()} {escape(names['overdue'])} {d.overdue}</title></rect>"
            )
    for s in SERIES:
        points = " ".join(f"{x(i):g},{y(getattr(d, s.key)):g}" for i, d in enumerate(days))
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(
            f'<polyline class="line-{s.key}" points="{points}" fill="none" '
            f'stroke="{s.colour}" stroke-width="2"{dash}/>'
        )
    # day labels: the first day, every seventh, the last
    marks = sorted({0, len(days) - 1, *range(0, len(days), 7)})
    for i in marks:
        anchor = "start" if i == 0 else "end" if i == len(days) - 1 else "middle"
        out.append(
            f'<text x="{x(i):g}" y="{height - bottom + 14:g}" font-size="11" text-anchor="{anchor}" '
            f'fill="#1a1a1a">{days[i].day.strftime("%m-%d")}</text>'
        )
    # legend
    lx, ly = left, height - 14
    for s in (*SERIES, OVERDUE):
        out.append(
            f'<rect x="{lx:g}" y="{ly - 9:g}" width="12" height="10" fill="{s.colour}"/>'
            f'<text x="{lx + 16:g}" y="{ly:g}" font-size="11" fill="#1a1a1a">'
            f"{escape(names[s.key])}</text>"
        )
        lx += 34 + text_width(names[s.key], 11)
    out.append("</svg>")
    return "".join(out)
