"""A front-line worker's own figures over a period ("my KPIs" in the mini-program).

Unit KPIs (:mod:`grid.cases.kpis`) need ``kpi.read``, which grid workers do not hold: they
see only their own work. The period is local calendar days ``[start, end)`` as for units;
ratios are exact fractions with the same rounding (:class:`~grid.cases.kpis.KpiRatio`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from backend import clock
from backend.errors import DomainError, ErrorCode
from grid.actors import Actor
from grid.cases.kpis import KpiRatio, check_period
from grid.cases.states import CaseState
from grid.cases.tables import AssigneeKind, Case, CaseEvent


@dataclass(frozen=True)
class MyKpis:
    start: date
    end: date
    handled: int
    handled_on_time: KpiRatio
    reworked: KpiRatio
    verified: int
    rated: int
    mean_rating: float | None
    open_now: int
    overdue_now: int


def _assigned_to(actor: Actor) -> Any:
    where = (Case.assignee_kind == AssigneeKind.staff) & (Case.assigned_staff == actor.id)
    units = sorted({g.unit_id for g in actor.grants})
    if units:
        where = where | (
            (Case.assignee_kind == AssigneeKind.unit) & Case.assigned_unit.is_in(units)
        )
    return where


async def my_kpis(actor: Actor, start: date, end: date) -> MyKpis:
    if actor.kind != "staff":
        raise DomainError(ErrorCode.FORBIDDEN, action="kpi.mine")
    period = check_period(start, end)
    in_period = (Case.handled_at >= period.since) & (Case.handled_at < period.until)
    mine = (Case.handled_by == actor.id) & in_period
    handled = await Case.select(
        Case.handled_at, Case.deadline_at, Case.rework_count, Case.rating
    ).where(mine)
    on_time = sum(1 for r in handled if r["handled_at"] <= r["deadline_at"])
    reworked = sum(1 for r in handled if r["rework_count"] > 0)
    ratings = [r["rating"] for r in handled if r["rating"] is not None]
    verified = await CaseEvent.count().where(
        (CaseEvent.actor_kind == "staff")
        & (CaseEvent.actor_id == str(actor.id))
        & CaseEvent.action.is_in(["verify"])
        & (CaseEvent.at >= period.since)
        & (CaseEvent.at < period.until)
    )
    running = _assigned_to(actor) & Case.state.is_in([CaseState.dispatched, CaseState.in_progress])
    open_now = await Case.count().where(running)
    overdue = await Case.count().where(running & (Case.deadline_at < clock.now()))
    return MyKpis(
        start=start,
        end=end,
        handled=len(handled),
        handled_on_time=KpiRatio.of(on_time, len(handled)),
        reworked=KpiRatio.of(reworked, len(handled)),
        verified=verified,
        rated=len(ratings),
        mean_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        open_now=open_now,
        overdue_now=overdue,
    )
