"""Point lookup rules (edges, corners, fallbacks) and the WGS-84 ↔ GCJ-02 conversion.

The layout, in hundredths of a degree from (106.90 E, 29.90 N):

    street S      [0,6] x [0,3]
      community C1 [0,4] x [0,2], tiled by four grids:
          G3 [0,2]x[1,2] | G4 [2,4]x[1,2]
          G1 [0,2]x[0,1] | G2 [2,4]x[0,1]      G1's micro-grid M11 is all of G1,
                                               G2 is split into M21 [2,3] and M22 [3,4]
      community C2 [4,6] x [0,3], without grids
"""

from __future__ import annotations

import json

import pytest

from grid.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02
from grid.geo.lookup import UnitIndex
from grid.tables import Level

X0, Y0, U = 106.90, 29.90, 0.01
C1, C2, S = "500199001001", "500199001002", "500199001000"
G1, G2, G3, G4 = (f"{C1}00{i}" for i in (1, 2, 3, 4))
M11, M21, M22 = f"{G1}001", f"{G2}001", f"{G2}002"


def at(x: float, y: float) -> tuple[float, float]:
    return X0 + x * U, Y0 + y * U


def box(x0: float, y0: float, x1: float, y1: float) -> str:
    (a, b), (c, d) = at(x0, y0), at(x1, y1)
    ring = [[a, b], [c, b], [c, d], [a, d], [a, b]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


ROWS = [
    (1, S, Level.street, None, box(0, 0, 6, 3)),
    (2, C1, Level.community, 1, box(0, 0, 4, 2)),
    (3, C2, Level.community, 1, box(4, 0, 6, 3)),
    # grids inserted out of code order: the answer must not depend on row order
    (7, G4, Level.grid, 2, box(2, 1, 4, 2)),
    (5, G2, Level.grid, 2, box(2, 0, 4, 1)),
    (4, G1, Level.grid, 2, box(0, 0, 2, 1)),
    (6, G3, Level.grid, 2, box(0, 1, 2, 2)),
    (9, M21, Level.micro_grid, 5, box(2, 0, 3, 1)),
    (10, M22, Level.micro_grid, 5, box(3, 0, 4, 1)),
    (8, M11, Level.micro_grid, 4, box(0, 0, 2, 1)),
]


@pytest.fixture(scope="module")
def index() -> UnitIndex:
    return UnitIndex(
        [
            {"id": i, "code": code, "name": code, "level": level, "parent": parent, "boundary": b}
            for i, code, level, parent, b in ROWS
        ]
    )


def codes(found) -> tuple[str | None, str | None, str | None]:
    if found is None:
        return None, None, None
    return (
        found.grid.code if found.grid else None,
        found.micro_grid.code if found.micro_grid else None,
        found.fallback.code if found.fallback else None,
    )


CASES = {
    "inside G3": ((1, 1.5), (G3, None, None)),
    "inside M22": ((3.5, 0.5), (G2, M22, None)),
    "edge G1|G2 goes to the lower code, with G1's micro-grid": ((2, 0.5), (G1, M11, None)),
    "edge G2|G4 goes to the lower code": ((3, 1), (G2, M21, None)),
    "edge M21|M22 inside G2": ((3, 0.5), (G2, M21, None)),
    "corner of four grids": ((2, 1), (G1, M11, None)),
    "outer edge of the district belongs to its grid": ((4, 1.5), (G4, None, None)),
    "outer corner": ((0, 0), (G1, M11, None)),
    "in community C2 without grids: the smallest unit around it": ((5, 1), (None, None, C2)),
    "in the street only": ((1, 2.5), (None, None, S)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_point_lookup_follows_the_documented_rule(index, case):
    (x, y), expected = CASES[case]
    assert codes(index.locate(*at(x, y))) == expected


def test_point_in_no_unit_at_all_finds_nothing(index):
    assert index.locate(*at(10, 10)) is None
    assert index.locate_many([at(10, 10)[0]], [at(10, 10)[1]]) == [None]


def test_batched_lookup_gives_the_same_answers_as_one_at_a_time(index):
    # every point of a quarter-cell lattice: interiors, edges and corners alike
    points = [at(i / 4, j / 4) for i in range(-2, 27) for j in range(-2, 15)]
    batched = index.locate_many([p[0] for p in points], [p[1] for p in points])
    assert [codes(b) for b in batched] == [codes(index.locate(*p)) for p in points]


# --- coordinate systems --------------------------------------------------------------------
# Published pairs, computed by other implementations of the same offset formula:
# wandergis/coordtransform (its README, and the tests of hutool's CoordinateUtil that cite it),
# the pytest data of geoToolbox, and the geotool CLI's tests. Implementations differ in the
# last digits (float constants, operation order) by up to ~1e-7° (1 cm), so that is the
# tolerance: three orders of magnitude below the 300–600 m offset being tested.
TOLERANCE = 2e-7
PUBLISHED_WGS84_TO_GCJ02 = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ((116.0, 40.0), (116.006141221789, 40.001213650174)),
    ((121.0917077, 30.6107779), (121.09626935575027, 30.608604331756705)),
]


@pytest.mark.parametrize(("wgs", "gcj"), PUBLISHED_WGS84_TO_GCJ02)
def test_wgs84_to_gcj02_matches_published_pairs(wgs, gcj):
    lon, lat = wgs84_to_gcj02(*wgs)
    assert lon == pytest.approx(gcj[0], abs=TOLERANCE)
    assert lat == pytest.approx(gcj[1], abs=TOLERANCE)


@pytest.mark.parametrize(("wgs", "gcj"), PUBLISHED_WGS84_TO_GCJ02)
def test_gcj02_to_wgs84_inverts_published_pairs(wgs, gcj):
    lon, lat = gcj02_to_wgs84(*gcj)
    assert lon == pytest.approx(wgs[0], abs=TOLERANCE)
    assert lat == pytest.approx(wgs[1], abs=TOLERANCE)


def test_gcj02_to_wgs84_is_the_exact_inverse_not_the_one_step_approximation():
    # coordtransform's one-step inverse gives (116.39775550083061, 39.91359571849836) for
    # GCJ-02 (116.404, 39.915), about 6 cm off; iterating lands on a point whose forward
    # image is the input to far better than a millimetre.
    lon, lat = gcj02_to_wgs84(116.404, 39.915)
    back = wgs84_to_gcj02(lon, lat)
    assert back[0] == pytest.approx(116.404, abs=1e-9)
    assert back[1] == pytest.approx(39.915, abs=1e-9)
    assert abs(lon - 116.39775550083061) < 1e-6 and abs(lat - 39.91359571849836) < 1e-6


def test_gcj02_to_wgs84_matches_gcoord_reference():
    # hujiulong/gcoord's test: GCJ-02 (123, 45) → WGS-84 (122.99395597, 44.99804071), 5 decimals
    lon, lat = gcj02_to_wgs84(123.0, 45.0)
    assert lon == pytest.approx(122.99395597, abs=5e-6)
    assert lat == pytest.approx(44.99804071, abs=5e-6)


def test_outside_china_the_two_systems_coincide():
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)
    assert gcj02_to_wgs84(2.3522, 48.8566) == (2.3522, 48.8566)


def test_the_offset_in_chongqing_is_hundreds_of_metres():
    lon, lat = wgs84_to_gcj02(106.55, 29.56)
    metres = ((lon - 106.55) * 96_900) ** 2 + ((lat - 29.56) * 111_000) ** 2
    assert 300 < metres**0.5 < 700
