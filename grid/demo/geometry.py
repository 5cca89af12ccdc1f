"""Boundaries of the demo district: irregular cells that tile it with no gap and no overlap.

The district is a lattice of grid cells whose interior *and* outer vertices are jittered by
less than a fifth of a cell, so every cell stays a simple quadrilateral while no two look
alike. Every cell is kept at double resolution (edge midpoints and a centre point): a grid's
ring runs through its edge midpoints, and its four micro-grids are the 2×2 sub-quads, so the
micro-grids tile their grid exactly and neighbouring rings share exactly the same vertices
(coordinates are rounded once, on the shared vertex array, never per polygon). Communities,
streets and the district are unions of their children, so a parent is always exactly its
children's area.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from shapely import unary_union
from shapely.geometry import Polygon, mapping
from shapely.geometry.polygon import orient

#: The demo sits around Chongqing's centre (WGS-84), away from the test personas' squares
#: at 106.50–106.53 E, 29.50–29.51 N so point lookups never hit both.
WEST, EAST = 106.56, 106.68
SOUTH, NORTH = 29.53, 29.59
JITTER = 0.18  # of a cell's width/height; below 0.25 no two vertices can cross
DIGITS = 6  # ≈ 0.1 m

# The block layout: streets 2×2, communities 2×2 per street, grids 4×2 per community,
# micro-grids 2×2 per grid.
STREETS_X, STREETS_Y = 2, 2
COMMUNITIES_X, COMMUNITIES_Y = 2, 2
GRIDS_X, GRIDS_Y = 4, 2
COLUMNS = STREETS_X * COMMUNITIES_X * GRIDS_X
ROWS = STREETS_Y * COMMUNITIES_Y * GRIDS_Y

Point = tuple[float, float]


@dataclass(frozen=True)
class Tile:
    """One unit's boundary as a GeoJSON geometry and its centroid (lon, lat)."""

    boundary: dict[str, Any]
    centroid_lon: float
    centroid_lat: float


@dataclass(frozen=True)
class DistrictTiles:
    """Tiles keyed by position: street s, community c in street, grid g, micro-grid m."""

    district: Tile
    streets: dict[tuple[int], Tile]
    communities: dict[tuple[int, int], Tile]
    grids: dict[tuple[int, int, int], Tile]
    micro_grids: dict[tuple[int, int, int, int], Tile]


def _lattice(rng: random.Random) -> list[list[Point]]:
    """Vertices at double resolution, indexed [x][y] with y growing northward."""
    width = (EAST - WEST) / COLUMNS
    height = (NORTH - SOUTH) / ROWS
    corners = [
        [
            (
                WEST + i * width + rng.uniform(-JITTER, JITTER) * width,
                SOUTH + j * height + rng.uniform(-JITTER, JITTER) * height,
            )
            for j in range(ROWS + 1)
        ]
        for i in range(COLUMNS + 1)
    ]
    fine: list[list[Point]] = [[(0.0, 0.0)] * (2 * ROWS + 1) for _ in range(2 * COLUMNS + 1)]
    for x in range(2 * COLUMNS + 1):
        for y in range(2 * ROWS + 1):
            around = [corners[i][j] for i in {x // 2, (x + 1) // 2} for j in {y // 2, (y + 1) // 2}]
            lon = sum(p[0] for p in around) / len(around)
            lat = sum(p[1] for p in around) / len(around)
            fine[x][y] = (round(lon, DIGITS), round(lat, DIGITS))
    return fine


def _listify(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value


def _tile(shape: Polygon) -> Tile:
    shape = orient(shape, sign=1.0)  # RFC 7946: exterior rings counter-clockwise
    centroid = shape.centroid
    return Tile(
        boundary=_listify(dict(mapping(shape))),
        centroid_lon=round(centroid.x, DIGITS),
        centroid_lat=round(centroid.y, DIGITS),
    )


def _cell_ring(fine: list[list[Point]], x: int, y: int, size: int) -> Polygon:
    """The ring of the cell with south-west fine vertex (x, y), through every fine vertex
    on its edges, counter-clockwise."""
    ring = [fine[x + k][y] for k in range(size)]
    ring += [fine[x + size][y + k] for k in range(size)]
    ring += [fine[x + size - k][y + size] for k in range(size)]
    ring += [fine[x][y + size - k] for k in range(size)]
    return Polygon(ring)


def tile_district(rng: random.Random) -> DistrictTiles:
    fine = _lattice(rng)
    grids: dict[tuple[int, int, int], Polygon] = {}
    micro: dict[tuple[int, int, int, int], Polygon] = {}
    for s in range(STREETS_X * STREETS_Y):
        for c in range(COMMUNITIES_X * COMMUNITIES_Y):
            for g in range(GRIDS_X * GRIDS_Y):
                # Numbering reads like a map: from the north-west, row by row.
                column = (
                    (s % STREETS_X) * COMMUNITIES_X * GRIDS_X
                    + (c % COMMUNITIES_X) * GRIDS_X
                    + g % GRIDS_X
                )
                row = (s // STREETS_X) * COMMUNITIES_Y * GRIDS_Y + (c // COMMUNITIES_X) * GRIDS_Y
                row += g // GRIDS_X
                x, y = 2 * column, 2 * (ROWS - 1 - row)
                grids[(s, c, g)] = _cell_ring(fine, x, y, 2)
                quads = ((0, 1), (1, 1), (0, 0), (1, 0))  # NW, NE, SW, SE
                for m, (dx, dy) in enumerate(quads):
                    micro[(s, c, g, m)] = _cell_ring(fine, x + dx, y + dy, 1)
    communities = {
        key: unary_union([p for (s, c, _), p in grids.items() if (s, c) == key])
        for key in {(s, c) for s, c, _ in grids}
    }
    streets = {
        (street,): unary_union([p for (s, _), p in communities.items() if s == street])
        for street in {s for s, _ in communities}
    }
    district = unary_union(list(streets.values()))
    return DistrictTiles(
        district=_tile(district),
        streets={k: _tile(v) for k, v in sorted(streets.items())},
        communities={k: _tile(v) for k, v in sorted(communities.items())},
        grids={k: _tile(v) for k, v in sorted(grids.items())},
        micro_grids={k: _tile(v) for k, v in sorted(micro.items())},
    )
