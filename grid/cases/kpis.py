"""KPIs of a unit's subtree over a period (DOMAIN §4, defined exactly in docs/kpis.md).

Every figure is an exact fraction (numerator, denominator) with a percentage rounded half-up
to two places for display, or ``None`` when the denominator is 0 — an empty period has no
completion rate, not a rate of 0. Periods are local (Asia/Shanghai) calendar days
``[start, end)``, as the city's monthly reports count them.

Reading takes ``kpi.read`` on the unit: outside the actor's scope the unit does not exist (404),
inside it a role without the right (grid workers, department handlers) gets 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from backend import clock
from backend.errors import invalid
from grid.actors import Actor
from grid.cases.calendar import TZ
from grid.cases.kpi_queries import (
    CaseCounts,
    WorkerCounts,
    case_counts,
    daily_counts,
    snapshot,
    worker_counts,
)
from grid.codes import PREFIX_LENGTH, child_level
from grid.permissions import Action
from grid.services.org_units import access_unit
from grid.tables import Level, OrgUnit

#: The longest period one request may ask for (a year, leap or not).
MAX_DAYS = 366
SECONDS_PER_DAY = 86_400
TWO_PLACES = Decimal("0.01")


def percent(numerator: int, denominator: int) -> float | None:
    if denominator == 0:
        return None
    exact = Decimal(100 * numerator) / Decimal(denominator)
    return float(exact.quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class KpiRatio:
    numerator: int
    denominator: int
    percent: float | None

    @classmethod
    def of(cls, numerator: int, denominator: int) -> KpiRatio:
        return cls(numerator, denominator, percent(numerator, denominator))


@dataclass(frozen=True)
class KpiMeanDays:
    """Mean handling time: total seconds over closed cases, shown in days (two places)."""

    total_seconds: int
    cases: int
    days: float | None

    @classmethod
    def of(cls, total_seconds: int, cases: int) -> KpiMeanDays:
        if cases == 0:
            return cls(total_seconds, cases, None)
        exact = Decimal(total_seconds) / Decimal(cases * SECONDS_PER_DAY)
        return cls(total_seconds, cases, float(exact.quantize(TWO_PLACES, ROUND_HALF_UP)))


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(0), TZ)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end, time(0), TZ)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]


def check_period(start: date, end: date) -> Period:
    if end <= start:
        raise invalid("end", "must be after start (the period is [start, end))")
    if (end - start).days > MAX_DAYS:
        raise invalid("end", f"a period spans at most {MAX_DAYS} days")
    return Period(start, end)


@dataclass(frozen=True)
class UnitKpis:
    unit_id: int
    code: str
    name: str
    level: Level
    start: date
    end: date
    filed: int  # 立案数
    voided: int  # 作废
    deferred: int  # 缓办
    due: int  # 应结案数
    completion: KpiRatio  # 结案率
    on_time: KpiRatio  # 按期结案率
    resolved_in_grid: KpiRatio  # 网格自办结率
    handling: KpiMeanDays  # 平均办理时长
    satisfaction: KpiRatio  # 满意率
    rework: KpiRatio  # 返工率
    worker_activity: KpiRatio  # 网格员活跃率
    rank: int | None = field(default=None)


def _kpis(unit: dict[str, Any], period: Period, c: CaseCounts, w: WorkerCounts) -> UnitKpis:
    return UnitKpis(
        unit_id=unit["id"],
        code=unit["code"],
        name=unit["name"],
        level=Level(unit["level"]),
        start=period.start,
        end=period.end,
        filed=c.filed,
        voided=c.voided,
        deferred=c.deferred,
        due=c.due,
        completion=KpiRatio.of(c.closed, c.due),
        on_time=KpiRatio.of(c.on_time, c.due),
        resolved_in_grid=KpiRatio.of(c.in_grid, c.closed),
        handling=KpiMeanDays.of(c.handling_s, c.closed),
        satisfaction=KpiRatio.of(c.satisfied, c.rated),
        rework=KpiRatio.of(c.reworked, c.closed),
        worker_activity=KpiRatio.of(w.active, w.workers),
    )


_UNIT_COLUMNS = (OrgUnit.id, OrgUnit.code, OrgUnit.prefix, OrgUnit.name, OrgUnit.level)


async def unit_kpis(actor: Actor, unit_id: int, start: date, end: date) -> UnitKpis:
    """The KPIs of ``unit_id``'s subtree over ``[start, end)``."""
    period = check_period(start, end)
    unit = await access_unit(actor, unit_id, Action.kpi_read, OrgUnit.code, OrgUnit.name)
    async with snapshot():
        cases = await case_counts(unit["prefix"], period.since, period.until)
        workers = await worker_counts(unit["prefix"], period.since, period.until)
    return _kpis(unit, period, cases.get("", CaseCounts()), workers.get("", WorkerCounts()))


class KpiRankBy(StrEnum):
    completion = "completion"
    on_time = "on_time"
    resolved_in_grid = "resolved_in_grid"
    handling = "handling"
    satisfaction = "satisfaction"
    rework = "rework"
    worker_activity = "worker_activity"


#: Figures where less is better (shorter handling, fewer reworks) rank ascending.
LOWER_IS_BETTER = frozenset({KpiRankBy.handling, KpiRankBy.rework})


def _value(k: UnitKpis, by: KpiRankBy) -> float | None:
    figure = getattr(k, by.value)
    return figure.days if isinstance(figure, KpiMeanDays) else figure.percent


def rank(rows: list[UnitKpis], by: KpiRankBy) -> list[UnitKpis]:
    """Best first; equal values share a rank (1, 2, 2, 4); units without the figure last,
    unranked. Ties and unranked units keep code order."""

    def score(k: UnitKpis) -> float | None:
        v = _value(k, by)
        return None if v is None else (v if by in LOWER_IS_BETTER else -v)

    ordered = sorted(rows, key=lambda k: (score(k) is None, score(k) or 0.0, k.code))
    out: list[UnitKpis] = []
    for k in ordered:
        s = score(k)
        place = (
            None
            if s is None
            else 1 + sum(1 for o in ordered if (t := score(o)) is not None and t < s)
        )
        out.append(UnitKpis(**{**k.__dict__, "rank": place}))
    return out


@dataclass(frozen=True)
class KpiRanking:
    by: KpiRankBy
    unit: UnitKpis
    children: list[UnitKpis]


async def ranking(
    actor: Actor, unit_id: int, start: date, end: date, by: KpiRankBy = KpiRankBy.completion
) -> KpiRanking:
    """The unit's own KPIs and its child units', ranked by ``by``: the cases are read once,
    grouped by child; rank ties are equal displayed values."""
    period = check_period(start, end)
    unit = await access_unit(actor, unit_id, Action.kpi_read, OrgUnit.code, OrgUnit.name)
    below = child_level(Level(unit["level"]))
    children = (
        await OrgUnit.select(*_UNIT_COLUMNS).where(OrgUnit.parent == unit_id).order_by(OrgUnit.code)
        if below is not None
        else []
    )
    key_len = PREFIX_LENGTH[below] if below is not None else len(unit["prefix"])
    since, until = period.since, period.until
    async with snapshot():
        cases = await case_counts(unit["prefix"], since, until, key_len=key_len)
        workers = await worker_counts(unit["prefix"], since, until, key_len=key_len)
        # Every case has one key, so the unit's case counts are the sum of its groups; a
        # worker may hold grants in two children, so the unit's workers are counted once.
        all_workers = await worker_counts(unit["prefix"], since, until)
    own = _kpis(unit, period, _total(cases.values()), all_workers.get("", WorkerCounts()))
    rows = [
        _kpis(
            c,
            period,
            cases.get(c["prefix"], CaseCounts()),
            workers.get(c["prefix"], WorkerCounts()),
        )
        for c in children
    ]
    return KpiRanking(by, own, rank(rows, by))


def _total(groups: Iterable[CaseCounts]) -> CaseCounts:
    names = list(CaseCounts.__dataclass_fields__)
    sums = dict.fromkeys(names, 0)
    for g in groups:
        for n in names:
            sums[n] += getattr(g, n)
    return CaseCounts(**sums)


@dataclass(frozen=True)
class KpiDay:
    day: date
    reported: int  # 上报
    filed: int  # 立案
    closed: int  # 结案
    overdue: int  # 超期


async def daily_series(actor: Actor, unit_id: int, start: date, end: date) -> list[KpiDay]:
    """One row per local day of ``[start, end)`` (days without cases included, as zeros)."""
    period = check_period(start, end)
    unit = await access_unit(actor, unit_id, Action.kpi_read)
    async with snapshot():
        counts = await daily_counts(unit["prefix"], period.since, period.until, clock.now())
    return [
        KpiDay(
            d,
            counts.get(("reported", d), 0),
            counts.get(("filed", d), 0),
            counts.get(("closed", d), 0),
            counts.get(("overdue", d), 0),
        )
        for d in period.days()
    ]
