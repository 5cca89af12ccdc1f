"""The demo district as planned (pure): its size, its tiling and its determinism."""

from __future__ import annotations

from collections import Counter

import pytest
import shapely
from shapely.geometry import shape

from grid.codes import parent_level, prefix_of
from grid.demo.build import summarize
from grid.demo.model import DEVELOPER_KEY
from grid.demo.plan import generate_plan
from grid.tables import Level, PartyOrgKind, PartyRole, Role

# Areas are in square degrees; the district is ~7e-3, a micro-grid ~1.4e-5.
SLIVER = 1e-12


@pytest.fixture(scope="module")
def plan():
    return generate_plan(2026)


def test_the_same_seed_gives_the_same_district_and_another_seed_another(plan):
    assert generate_plan(2026) == plan
    other = generate_plan(7)
    assert [u.code for u in other.units] == [u.code for u in plan.units]
    assert other.units != plan.units  # other boundaries and names
    assert other.communities != plan.communities


def test_demo_is_as_large_as_the_issue_asks(plan):
    counts = summarize(plan, created=True).counts
    assert counts["streets"] >= 3
    assert counts["communities"] >= 12
    assert counts["grids"] >= 100
    assert counts["micro_grids"] >= counts["grids"]
    assert counts["residents"] >= 5000
    assert counts["unsold"] > 0  # developer-held house units
    assert all(h.residents for c in plan.communities for h in c.households)
    assert all(
        c.houses[h.house].owner_key != DEVELOPER_KEY for c in plan.communities for h in c.households
    )


def test_demo_has_staff_for_every_role_and_a_whole_party_tree(plan):
    assert {s.role for s in plan.staff} == set(Role)
    orgs = [o for street in plan.party.values() for o in street]
    assert {o.kind for o in orgs} == set(PartyOrgKind)
    roles = Counter(m.role for o in orgs for m in o.members)
    assert all(roles[r] > 0 for r in PartyRole)
    assert len({s.username for s in plan.staff}) == len(plan.staff)


def test_codes_extend_their_parents_codes(plan):
    by_code = {u.code: u for u in plan.units}
    for unit in plan.units:
        above = parent_level(unit.level)
        if above is None:
            continue
        parent = by_code[unit.parent_code]
        assert parent.level is above
        assert prefix_of(unit.code, above) == parent.prefix


def _shapes(plan, level: Level) -> dict[str, shapely.Geometry]:
    return {u.code: shape(u.tile.boundary) for u in plan.units_at(level)}


def _tiles(children: list[shapely.Geometry], parent: shapely.Geometry) -> None:
    """``children`` are valid, overlap nowhere, and together are exactly ``parent``."""
    assert all(c.is_valid for c in children)
    tree = shapely.STRtree(children)
    left, right = tree.query(children, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            assert children[i].intersection(children[j]).area < SLIVER, (i, j)
    union = shapely.union_all(children)
    assert union.symmetric_difference(parent).area < SLIVER
    assert abs(sum(c.area for c in children) - parent.area) < SLIVER


def test_grids_tile_the_district_with_no_gap_and_no_overlap(plan):
    grids = _shapes(plan, Level.grid)
    [district] = _shapes(plan, Level.district).values()
    _tiles(list(grids.values()), district)


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (Level.street, Level.district),
        (Level.community, Level.street),
        (Level.grid, Level.community),
        (Level.micro_grid, Level.grid),
    ],
)
def test_each_unit_is_tiled_by_its_children(plan, child, parent):
    children = _shapes(plan, child)
    by_parent: dict[str, list[shapely.Geometry]] = {}
    for unit in plan.units_at(child):
        by_parent.setdefault(unit.parent_code, []).append(children[unit.code])
    for code, geometry in _shapes(plan, parent).items():
        _tiles(by_parent[code], geometry)
