"""Open and overdue cases per grid (the dashboard map), checked against the generated cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend import clock
from backend.errors import DomainError, ErrorCode
from grid.actors import Actor, Grant
from grid.cases.grid_load import grid_load
from grid.cases.states import RUNNING
from grid.tables import Level, Role
from tests.kpi_data import MONTH, KpiWorld, build_kpi_world, local_midnight


@pytest.fixture(scope="module")
async def kw(world: object) -> KpiWorld:
    return await build_kpi_world(world, "96", seed=96, cases=260)  # type: ignore[arg-type]


def _actor(kw: KpiWorld, role: Role, key: str, level: Level) -> Actor:
    grant = Grant(role, kw.units[key], kw.prefixes[key], level)
    return Actor(kind="staff", id=10_001, name=str(role), grants=(grant,))


def _expected(kw: KpiWorld, prefix: str, now: object) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for r in kw.records:
        if r.state in RUNNING and r.home_prefix.startswith(prefix):
            key = r.home_prefix if len(r.home_prefix) >= 15 else "elsewhere"
            o, d = out.get(key, (0, 0))
            out[key] = (o + 1, d + (r.deadline_at < now))  # type: ignore[operator]
    return out


async def test_each_grid_counts_its_open_and_overdue_cases_where_they_happened(kw):
    now = local_midnight(MONTH[0]) + timedelta(days=12)
    clock.freeze(now)
    got = await grid_load(
        _actor(kw, Role.district_center_staff, "district", Level.district), kw.units["district"]
    )
    want = _expected(kw, kw.prefixes["district"], now)
    grids = {g.code[:15]: (g.open, g.overdue) for g in got.grids}
    assert len(got.grids) == 6 and got.at == now
    for code, figures in grids.items():
        assert figures == want.get(code, (0, 0)), code
    assert (got.elsewhere_open, got.elsewhere_overdue) == want.get("elsewhere", (0, 0))
    assert got.open == sum(o for o, _ in want.values()) > 0
    assert 0 < got.overdue < got.open  # the frozen day splits the open cases


async def test_overdue_follows_the_clock(kw):
    actor = _actor(kw, Role.street_center_staff, "street_1", Level.street)
    clock.freeze(local_midnight(MONTH[0]) - timedelta(days=30))
    before = await grid_load(actor, kw.units["street_1"])
    clock.freeze(local_midnight(MONTH[1]) + timedelta(days=60))
    after = await grid_load(actor, kw.units["street_1"])
    assert before.overdue == 0
    assert after.overdue == after.open == before.open  # every open deadline has passed


async def test_a_streets_map_holds_only_its_own_grids(kw):
    got = await grid_load(
        _actor(kw, Role.street_center_staff, "street_2", Level.street), kw.units["street_2"]
    )
    assert [g.code[:15] for g in got.grids] == [
        kw.prefixes["grid_21_1"],
        kw.prefixes["grid_21_2"],
    ]


async def test_map_outside_the_scope_is_not_found_and_workers_are_refused(kw):
    street_2 = _actor(kw, Role.street_center_staff, "street_2", Level.street)
    with pytest.raises(DomainError) as outside:
        await grid_load(street_2, kw.units["street_1"])
    assert outside.value.code == ErrorCode.NOT_FOUND
    worker = _actor(kw, Role.grid_worker, "grid_11_1", Level.grid)
    with pytest.raises(DomainError) as refused:
        await grid_load(worker, kw.units["grid_11_1"])
    assert refused.value.code == ErrorCode.FORBIDDEN
