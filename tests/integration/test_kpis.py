"""KPIs over a generated month of cases, checked against figures recomputed in plain Python."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend import clock
from backend.errors import DomainError, ErrorCode
from grid.actors import Actor, Grant
from grid.cases.kpis import KpiRankBy, daily_series, percent, ranking, unit_kpis
from grid.tables import Level, Role
from tests.kpi_data import (
    MONTH,
    KpiWorld,
    build_kpi_world,
    expected,
    expected_days,
    local_midnight,
)

UNITS = ["district", "street_1", "street_2", "community_11", "community_12", "grid_11_1"]


@pytest.fixture(scope="module")
async def kw(world: object) -> KpiWorld:
    return await build_kpi_world(world, "98", seed=20261001)  # type: ignore[arg-type]


def _actor(kw: KpiWorld, role: Role, key: str, level: Level) -> Actor:
    grant = Grant(role, kw.units[key], kw.prefixes[key], level)
    return Actor(kind="staff", id=10_000, name=str(role), grants=(grant,))


def _figures(k: object) -> dict[str, object]:
    out: dict[str, object] = {f: getattr(k, f) for f in ("filed", "voided", "deferred", "due")}
    for f in (
        "completion",
        "on_time",
        "resolved_in_grid",
        "satisfaction",
        "rework",
        "worker_activity",
    ):
        r = getattr(k, f)
        out[f] = (r.numerator, r.denominator, r.percent)
    h = k.handling  # type: ignore[attr-defined]
    out["handling"] = (h.total_seconds, h.cases, h.days)
    return out


def test_percent_rounds_half_up_like_the_city_reports():
    assert percent(911, 972) == 93.72
    assert percent(737, 972) == 75.82
    assert percent(1, 8) == 12.5
    assert percent(1, 200) == 0.5
    assert percent(0, 0) is None


@pytest.mark.parametrize("key", UNITS)
async def test_unit_kpis_match_figures_recomputed_from_the_generated_month(kw: KpiWorld, key: str):
    admin = _actor(kw, Role.admin, "district", Level.district)
    got = await unit_kpis(admin, kw.units[key], *MONTH)
    assert _figures(got) == expected(kw, kw.prefixes[key], *MONTH)


async def test_generated_month_exercises_every_branch_of_the_definitions(kw: KpiWorld):
    want = expected(kw, kw.prefixes["district"], *MONTH)
    completion, on_time = want["completion"], want["on_time"]
    assert want["voided"] and want["deferred"]
    assert 0 < on_time[0] < completion[0] < completion[1]  # type: ignore[index,operator]
    for name in ("resolved_in_grid", "satisfaction", "rework", "worker_activity"):
        n, d, _ = want[name]  # type: ignore[misc]
        assert 0 < n < d, name


async def test_period_edges_count_the_first_instant_and_not_the_last(kw: KpiWorld):
    admin = _actor(kw, Role.admin, "district", Level.district)
    one_day = await unit_kpis(admin, kw.district_id, MONTH[0], date(2026, 10, 2))
    day_before = await unit_kpis(admin, kw.district_id, date(2026, 9, 30), MONTH[0])
    assert _figures(one_day) == expected(kw, kw.prefixes["district"], MONTH[0], date(2026, 10, 2))
    assert _figures(day_before) == expected(
        kw, kw.prefixes["district"], date(2026, 9, 30), MONTH[0]
    )
    # case 0 was filed at 2026-10-01 00:00 local, case 2 one second earlier (both inside)
    assert kw.records[0].filed_at == local_midnight(MONTH[0])
    assert one_day.filed >= 1 and day_before.filed >= 1


async def test_empty_period_has_no_rates_rather_than_zero_rates(kw: KpiWorld):
    admin = _actor(kw, Role.admin, "district", Level.district)
    got = await unit_kpis(admin, kw.district_id, date(2025, 1, 1), date(2025, 2, 1))
    assert got.filed == got.due == 0
    for f in ("completion", "on_time", "resolved_in_grid", "satisfaction", "rework"):
        r = getattr(got, f)
        assert (r.numerator, r.denominator, r.percent) == (0, 0, None)
    assert got.handling.days is None
    # the workers exist, they just did nothing in that month
    assert got.worker_activity.denominator > 0 and got.worker_activity.percent == 0.0


async def test_cases_outside_the_subtree_do_not_count(kw: KpiWorld):
    admin = _actor(kw, Role.admin, "district", Level.district)
    street_1 = await unit_kpis(admin, kw.units["street_1"], *MONTH)
    street_2 = await unit_kpis(admin, kw.units["street_2"], *MONTH)
    district = await unit_kpis(admin, kw.district_id, *MONTH)
    assert street_1.filed + street_2.filed == district.filed
    outside = [r for r in kw.records if not r.home_prefix.startswith(kw.prefixes["district"])]
    assert outside


@pytest.mark.parametrize("by", list(KpiRankBy))
async def test_ranking_matches_each_child_and_orders_best_first(kw: KpiWorld, by: KpiRankBy):
    admin = _actor(kw, Role.admin, "district", Level.district)
    got = await ranking(admin, kw.units["street_1"], *MONTH, by=by)
    own, children = got.unit, got.children
    assert _figures(own) == expected(kw, kw.prefixes["street_1"], *MONTH)
    assert {c.code[:12] for c in children} == {
        kw.prefixes["community_11"],
        kw.prefixes["community_12"],
    }
    for child in children:
        assert _figures(child) == expected(kw, child.code[:12], *MONTH)
    values = [getattr(c, by.value) for c in children]
    shown = [v.days if by is KpiRankBy.handling else v.percent for v in values]
    ranked = [v for v in shown if v is not None]
    descending = by not in (KpiRankBy.handling, KpiRankBy.rework)
    assert ranked == sorted(ranked, reverse=descending)
    assert children[0].rank == 1 or shown[0] is None


async def test_worker_in_two_children_counts_once_for_the_parent(kw: KpiWorld):
    admin = _actor(kw, Role.admin, "district", Level.district)
    got = await ranking(admin, kw.units["street_1"], *MONTH)
    own, children = got.unit, got.children
    assert (
        sum(c.worker_activity.denominator for c in children) == own.worker_activity.denominator + 1
    )


async def test_daily_series_matches_per_day_counts(kw: KpiWorld):
    now = datetime(2026, 10, 20, 4, 30, tzinfo=UTC)
    clock.freeze(now)
    admin = _actor(kw, Role.admin, "district", Level.district)
    for key in ("district", "community_12"):
        days = await daily_series(admin, kw.units[key], date(2026, 9, 28), date(2026, 11, 3))
        want = expected_days(kw, kw.prefixes[key], date(2026, 9, 28), date(2026, 11, 3), now)
        assert {d.day: (d.reported, d.filed, d.closed, d.overdue) for d in days} == want
    assert any(v[3] for v in want.values()) and sum(v[2] for v in want.values())


async def test_kpis_are_read_only_inside_scope_by_overseeing_roles(kw: KpiWorld):
    street = _actor(kw, Role.street_center_staff, "street_1", Level.street)
    leader = _actor(kw, Role.grid_leader, "grid_11_1", Level.grid)
    worker = _actor(kw, Role.grid_worker, "grid_11_1", Level.grid)
    assert (await unit_kpis(street, kw.units["community_11"], *MONTH)).filed >= 0
    assert (await unit_kpis(leader, kw.units["grid_11_1"], *MONTH)).filed >= 0
    with pytest.raises(DomainError) as outside:
        await unit_kpis(street, kw.units["street_2"], *MONTH)
    assert outside.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as above:
        await daily_series(street, kw.district_id, *MONTH)
    assert above.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as role:
        await unit_kpis(worker, kw.units["grid_11_1"], *MONTH)
    assert role.value.code is ErrorCode.FORBIDDEN


@pytest.mark.parametrize(
    ("start", "end"), [(date(2026, 10, 2), date(2026, 10, 1)), (date(2026, 1, 1), date(2027, 1, 3))]
)
async def test_period_must_run_forward_and_span_at_most_a_year(
    kw: KpiWorld, start: date, end: date
):
    admin = _actor(kw, Role.admin, "district", Level.district)
    with pytest.raises(DomainError) as refused:
        await unit_kpis(admin, kw.district_id, start, end)
    assert refused.value.code is ErrorCode.VALIDATION
