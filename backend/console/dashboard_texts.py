"""The dashboard's words (Chinese first, English), kept apart from the
queue's and case page's (:mod:`backend.console.texts`) so the two pages' words grow apart."""

from __future__ import annotations

from backend.i18n import EN, ZH

DASH: dict[str, tuple[str, str]] = {
    "period": ("统计期间", "Period"),
    "start": ("起始日期", "From"),
    "until": ("截止日期（含）", "To (inclusive)"),
    "unit": ("统计单位", "Unit"),
    "rank_by": ("排名依据", "Rank by"),
    "show": ("查看", "Show"),
    "parent": ("返回上级：{name}", "Up to {name}"),
    "kpis": ("考核指标", "KPIs"),
    "kpis_of": ("{name} · {start} 至 {until}", "{name} · {start} to {until}"),
    "filed": ("立案数", "Filed"),
    "voided": ("作废", "Voided"),
    "deferred": ("缓办", "Deferred"),
    "due": ("应结案数", "Due"),
    "completion": ("结案率", "Completion rate"),
    "on_time": ("按期结案率", "On-time rate"),
    "resolved_in_grid": ("网格自办结率", "Resolved in the grid"),
    "handling": ("平均办理时长", "Mean handling time"),
    "satisfaction": ("满意率", "Satisfaction"),
    "rework": ("返工率", "Rework rate"),
    "worker_activity": ("网格员活跃率", "Grid worker activity"),
    "days": ("{n} 天", "{n} days"),
    "no_figure": ("—（无分母）", "— (no denominator)"),
    "daily": ("每日趋势", "Daily trend"),
    "chart_title": (
        "每日上报、立案、结案与超期案件",
        "Cases reported, filed, closed, overdue per day",
    ),
    "daily_table": ("以表格查看每日数据", "The daily figures as a table"),
    "day": ("日期", "Day"),
    "reported": ("上报数", "Reported"),
    "closed": ("结案数", "Closed"),
    "overdue": ("超期数", "Overdue"),
    "ranking": ("下级单位排名", "Child units ranked"),
    "rank": ("排名", "Rank"),
    "no_children": ("没有下级单位", "No child units"),
    "total_row": ("合计", "Total"),
    "downloads": ("下载", "Downloads"),
    "csv_units": ("单位指标 CSV", "Unit KPIs (CSV)"),
    "csv_daily": ("每日趋势 CSV", "Daily series (CSV)"),
    "xlsx": ("Excel 工作簿（两张表）", "Excel workbook (two sheets)"),
    "map": ("网格在办与超期分布（当前）", "Open and overdue cases per grid (now)"),
    "map_title": ("{name}各网格在办与超期案件", "Open and overdue cases in the grids of {name}"),
    "map_table": ("以表格查看各网格数据", "The grids' figures as a table"),
    "grid": ("网格", "Grid"),
    "open": ("在办", "Open"),
    "elsewhere": (
        "另有 {open} 件在办（其中 {overdue} 件超期）发生在网格以外",
        "{open} more open cases ({overdue} overdue) happened outside any grid",
    ),
    "no_map": ("本单位没有可绘制的网格边界", "No grid boundaries to draw here"),
    "as_of": ("截至 {at}", "as of {at}"),
    "band_many": ("超期 ≥ 3 件", "≥ 3 overdue"),
    "band_overdue": ("超期 1–2 件", "1–2 overdue"),
    "band_open": ("有在办、无超期", "open, none overdue"),
    "band_calm": ("无在办案件", "no open cases"),
    "grid_figures": (
        "{name}（{code}）：在办 {open} 件，超期 {overdue} 件",
        "{name} ({code}): {open} open, {overdue} overdue",
    ),
    "no_kpis": ("您的角色不能查看考核指标", "Your role may not read KPIs"),
}


def dash_text(key: str, language: str = ZH, **values: object) -> str:
    zh, en = DASH.get(key, (key, key))
    template = en if language == EN else zh
    return template.format(**values) if values else template
