"""``locate_point`` against the database: both coordinate systems, and a point in no unit.

The personas' grid A1-1 is the square 106.50–106.51 E, 29.50–29.51 N (WGS-84), split into
micro-grids at 106.505; grid A1-2 is the next square east.
"""

from __future__ import annotations

import pytest

from backend.errors import DomainError, ErrorCode
from grid.geo.coords import wgs84_to_gcj02
from grid.geo.lookup import invalidate_unit_index, locate_point


@pytest.fixture(autouse=True)
def _fresh_index():
    invalidate_unit_index()  # other tests insert units without the services


async def test_wgs84_point_finds_its_grid_and_micro_grid(world):
    found = await locate_point(106.5075, 29.505, "wgs84")
    assert found.grid is not None and found.grid.code == world.codes["grid_a1_1"]
    assert found.micro_grid is not None and found.micro_grid.code == world.codes["grid_a1_1_m2"]


async def test_gcj02_point_is_converted_before_the_lookup(world):
    # A phone in grid A1-1's west micro-grid reports GCJ-02, ~500 m away from its WGS-84 place.
    gcj_lon, gcj_lat = wgs84_to_gcj02(106.5025, 29.5025)
    found = await locate_point(gcj_lon, gcj_lat, "gcj02")
    assert found.grid is not None and found.grid.code == world.codes["grid_a1_1"]
    assert found.micro_grid is not None and found.micro_grid.code == world.codes["grid_a1_1_m1"]
    assert found.lon == pytest.approx(106.5025, abs=1e-7)
    # the same numbers read as WGS-84 are somewhere else entirely
    try:
        misread = await locate_point(gcj_lon, gcj_lat, "wgs84")
    except DomainError:
        misread = None
    assert (
        misread is None
        or misread.micro_grid is None
        or misread.micro_grid.code != world.codes["grid_a1_1_m1"]
    )


async def test_point_on_the_border_of_two_grids_belongs_to_the_lower_code(world):
    # the edge A1-1 | A1-2 (micro-grids on edges: tests/unit/test_geo_lookup.py)
    for _ in range(3):
        found = await locate_point(106.51, 29.505)
        assert found.grid is not None and found.grid.code == world.codes["grid_a1_1"]


async def test_point_in_no_unit_is_a_clear_error(world):
    with pytest.raises(DomainError) as err:
        await locate_point(80.0, 40.0)
    assert err.value.code is ErrorCode.POINT_OUTSIDE_AREA


async def test_unknown_coordinate_system_is_refused(world):
    with pytest.raises(DomainError) as err:
        await locate_point(106.505, 29.505, "bd09")
    assert err.value.code is ErrorCode.COORDINATES_INVALID
